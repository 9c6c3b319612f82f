import type { JobHelpers, Task } from "graphile-worker";
import { z } from "zod";
import { runWorkspacePurge } from "../../domain/privacy/workspace-purge.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({
  tenantId: z.uuid(),
  reason: z.enum(["cancelled", "lapsed"]),
  // Tuning, for operators and the kill -9 test; the queueing side (purgeWorkspaceLater) never sets them.
  batchSize: z.int().min(100).max(50_000).optional(),
  // 0: one batch per slice (a deadline already past), which makes slicing deterministic in tests.
  sliceSeconds: z.number().min(0).max(600).optional(),
  leaseSeconds: z.number().min(1).max(3600).optional(),
  failures: z.int().min(0).max(1000).optional(),
});
type Payload = z.infer<typeof Payload>;

const SLICE_SECONDS = 20;
const LEASE_SECONDS = 120;

// P16, P17: purges a workspace in slices of about 20 s. A worker killed with SIGKILL keeps its job locked for four
// hours (graphile-worker's rule), so each slice first arms its own successor, due when the lease runs out: if this
// process dies, any worker (the restarted one) picks the successor up and the purge resumes from its progress record.
// A slice that ends normally brings the successor forward (more to do) or removes it (done). Arming the successor
// with the same job key also marks this run as not to be retried by graphile-worker: the successor is the retry,
// with a backoff that grows with each failure.
export const workspacePurge =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const job = Payload.parse(payload);
    const key = `workspace-purge:${job.tenantId}`;
    const lease = (job.leaseSeconds ?? LEASE_SECONDS) * 1000;
    await again(helpers, key, job, new Date(Date.now() + lease));
    try {
      const r = await runWorkspacePurge({ app: deps.db.app, owner: deps.db.owner }, deps.now, job.tenantId, job.reason, {
        batchSize: job.batchSize,
        deadline: Date.now() + (job.sliceSeconds ?? SLICE_SECONDS) * 1000,
      });
      if (r.outcome === "paused") return again(helpers, key, { ...job, failures: 0 }, new Date());
      await helpers.query("select graphile_worker.remove_job($1)", [key]);
      helpers.logger.info(`workspace-purge ${job.tenantId}: ${r.outcome}, ${r.rowsDeleted} rows`);
    } catch (err) {
      const failures = (job.failures ?? 0) + 1;
      await again(helpers, key, { ...job, failures }, new Date(Date.now() + Math.min(lease * 2 ** (failures - 1), 3_600_000)));
      throw err;
    }
  };

async function again(helpers: JobHelpers, key: string, job: Payload, runAt: Date): Promise<void> {
  await helpers.addJob("workspace-purge", job, { jobKey: key, runAt });
}
