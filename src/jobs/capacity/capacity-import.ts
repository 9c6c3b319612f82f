import type { Task } from "graphile-worker";
import { z } from "zod";
import { runCapacityImport } from "../../domain/capacity/import-job.ts";
import { purgeOldCapacityImports } from "../../domain/capacity/imports.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ tenantId: z.uuid(), importId: z.uuid() });

// Runs one capacity CSV import (volumes or agents, issue 5). Safe to retry: it resumes after the last committed batch.
export const capacityImport =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const { tenantId, importId } = Payload.parse(payload);
    await runCapacityImport(deps.db.app, tenantId, importId, deps.now, { lastAttempt: helpers.job.attempts >= helpers.job.max_attempts });
  };

// Retention: capacity imports (the uploaded file, the rejected rows) are deleted 30 days after they finish. Idempotent.
export const purgeCapacityImports =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purgeOldCapacityImports(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-capacity-imports: deleted ${deleted} imports`);
  };
