import type { Task } from "graphile-worker";
import { z } from "zod";
import { parseConfig } from "../../config.ts";
import { runExport } from "../../domain/privacy/export-job.ts";
import { purgeExpiredExports } from "../../domain/privacy/exports.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ exportId: z.uuid(), tenantId: z.uuid().nullable(), userId: z.uuid(), baseUrl: z.url().optional() });

// The link in the email points at PUBLIC_URL: the request that queued the export passes it; a caller without one
// (a privacy request worked by a job) falls back to the configured value, which is what the web process uses too.
function configuredBaseUrl(): string {
  return parseConfig(process.env).publicUrl;
}

// P12, P13, P23: builds one export file and emails its link. Safe to retry: it starts the file again, and an export
// already done is left alone (no second email).
export const privacyExport =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const job = Payload.parse(payload);
    const outcome = await runExport(
      { app: deps.db.app, owner: deps.db.owner },
      { exportId: job.exportId, tenantId: job.tenantId, userId: job.userId, baseUrl: job.baseUrl ?? configuredBaseUrl() },
      deps.now,
      { lastAttempt: helpers.job.attempts >= helpers.job.max_attempts },
    );
    if (outcome !== "done") helpers.logger.info(`privacy-export ${job.exportId}: ${outcome}`);
  };

// P12: daily, deletes the files whose 7-day link has expired (and old export records). Idempotent.
export const purgeExports =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const r = await purgeExpiredExports(deps.db.owner, deps.now());
    if (r.expired || r.records) helpers.logger.info(`purge-exports: ${r.expired} files expired, ${r.records} records deleted`);
  };
