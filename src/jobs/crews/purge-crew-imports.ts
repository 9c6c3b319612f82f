import type { Task } from "graphile-worker";
import { purgeOldCrewImports } from "../../domain/crews/crew-imports.ts";
import type { JobDeps } from "../deps.ts";

// Retention: crews import reports (the rejected rows may hold names and emails) are deleted after 30 days. Idempotent.
export const purgeCrewImports =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purgeOldCrewImports(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-crew-imports: deleted ${deleted} import reports`);
  };
