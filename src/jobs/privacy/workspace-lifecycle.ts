import type { Task } from "graphile-worker";
import { sweepWorkspaceLifecycle } from "../../domain/tenancy/lifecycle-sweep.ts";
import type { JobDeps } from "../deps.ts";

// P16, P17: daily, cancelled and suspended workspaces whose 30 days are over go to the purge (workspace-purge).
export const workspaceLifecycle =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const { queued } = await sweepWorkspaceLifecycle(deps.db, deps.now());
    if (queued.length) helpers.logger.info(`workspace-lifecycle: ${queued.length} workspaces queued for purge`);
  };
