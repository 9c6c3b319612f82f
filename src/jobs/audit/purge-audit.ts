import type { Task } from "graphile-worker";
import { purgeAuditEvents } from "../../domain/audit/retention.ts";
import type { JobDeps } from "../deps.ts";

// P11: deletes audit events older than 12 months, every workspace in turn. Idempotent: a rerun finds nothing.
export const purgeAudit =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const { deleted, batches } = await purgeAuditEvents(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-audit: deleted ${deleted} audit events in ${batches} batches`);
  };
