import type { Task } from "graphile-worker";
import type { JobDeps } from "../deps.ts";

// P11: deletes audit rows older than 12 months. Filled in with src/domain/audit/retention.ts.
export const purgeAudit =
  (_deps: JobDeps): Task =>
  async () => {};
