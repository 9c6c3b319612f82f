import type { Task } from "graphile-worker";
import { purgeOutbox as purge } from "../../domain/mail/outbox.ts";
import type { JobDeps } from "../deps.ts";

export const purgeOutbox =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purge(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-outbox: deleted ${deleted} settled emails`);
  };
