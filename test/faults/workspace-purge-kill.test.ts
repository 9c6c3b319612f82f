import { describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { enqueue } from "../../src/domain/queue.ts";
import { bulkRows, nonZero, readyForPurge, rowsOf, seedWorkspace, total } from "../domain/privacy/workspace-purge-support.ts";
import { useTestDatabase } from "../support/db.ts";
import { useProcesses, waitFor } from "./processes.ts";

// Issue 6, item 9: a purge killed midway (kill -9 of the worker) resumes on restart and finishes with nothing left
// behind. The worker is the real entry point, `bun src/server.ts --worker`, as `bun run worker` runs it. (The purge
// arms its own successor with a lease, so it resumes even where the dead worker's pool was never registered.)

const t = useTestDatabase();
const { start } = useProcesses();
const startWorker = () => start(["--worker"], { DATABASE_URL: t.urls.ownerUrl, APP_DATABASE_URL: t.urls.appUrl });

const record = async (tenantId: string) =>
  (await t.su<{ rows_deleted: string; finished_at: Date | null }[]>`select rows_deleted, finished_at from workspace_purges where workspace_id = ${tenantId}`)[0];

describe("a purge killed midway", () => {
  test("P16 after kill -9 of the worker halfway through 50,000 rows, a restarted worker resumes the purge and finishes it: no row of the workspace in any table with a tenant_id column, the record finished, the other workspace intact", async () => {
    const gone = await seedWorkspace(t, "killed");
    await bulkRows(t, gone, 50_000);
    const kept = await seedWorkspace(t, "survivor");
    const before = await rowsOf(t, gone.tenantId);
    const keptBefore = await rowsOf(t, kept.tenantId);
    expect(total(before)).toBeGreaterThan(50_000);
    await readyForPurge(t, gone.tenantId);
    // Small batches and a short lease, so the kill lands midway and the successor is due a few seconds later.
    await inTransaction(systemCtx(t.db.app), (tx) =>
      enqueue(tx, "workspace-purge", { tenantId: gone.tenantId, reason: "cancelled", batchSize: 500, sliceSeconds: 2, leaseSeconds: 3 }, { jobKey: `workspace-purge:${gone.tenantId}` }),
    );

    const first = await startWorker();
    await waitFor("the purge to start", async () => Number((await record(gone.tenantId))?.rows_deleted ?? 0) > 0, 15_000, 5);
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    const midway = (await record(gone.tenantId))!;
    expect(midway.finished_at).toBeNull();
    expect(Number(midway.rows_deleted)).toBeLessThan(total(before) / 2);
    expect(total(await rowsOf(t, gone.tenantId))).toBe(total(before) - Number(midway.rows_deleted));
    // The dead worker still holds its job: graphile-worker would release it only after four hours.
    const [locked] = await t.su`select 1 from graphile_worker._private_jobs where locked_at is not null`;
    expect(locked).toBeDefined();

    const second = await startWorker();
    await waitFor("the purge to finish", async () => !!(await record(gone.tenantId))?.finished_at, 15_000, 50);
    second.proc.kill("SIGTERM");
    expect(await second.proc.exited).toBe(0);

    expect(nonZero(await rowsOf(t, gone.tenantId))).toEqual({});
    const done = (await record(gone.tenantId))!;
    expect(Number(done.rows_deleted)).toBe(total(before));
    expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
  }, 45_000);
});
