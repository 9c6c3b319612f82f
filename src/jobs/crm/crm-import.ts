import type { Task } from "graphile-worker";
import { z } from "zod";
import { runImport } from "../../domain/crm/import-runs.ts";
import { purgeOldImports } from "../../domain/crm/imports.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ tenantId: z.uuid(), importId: z.uuid() });

// Runs one CSV import (issue 4, item 8). Safe to retry: it resumes after the last committed batch.
export const crmImport =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const { tenantId, importId } = Payload.parse(payload);
    await runImport(deps.db.app, tenantId, importId, deps.now, { lastAttempt: helpers.job.attempts >= helpers.job.max_attempts });
  };

// Retention: imports (the uploaded file, the rejected rows) are deleted 30 days after they finish. Idempotent.
export const purgeImports =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purgeOldImports(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-imports: deleted ${deleted} imports`);
  };
