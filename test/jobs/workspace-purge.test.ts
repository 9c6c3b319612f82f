import { describe, expect, test } from "bun:test";
import type { Task } from "graphile-worker";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { purgeProgress } from "../../src/domain/privacy/workspace-purge.ts";
import { enqueue } from "../../src/domain/queue.ts";
import { sweepWorkspaceLifecycle } from "../../src/domain/tenancy/lifecycle-sweep.ts";
import { createTaskList } from "../../src/jobs/index.ts";
import { bulkRows, nonZero, readyForPurge, rowsOf, seedWorkspace, total } from "../domain/privacy/workspace-purge-support.ts";
import { useTestDatabase } from "../support/db.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();

describe("the workspace-purge job", () => {
  test("P16 works in slices: each slice arms its successor under the workspace's key (due when the lease runs out), a paused slice brings it forward, the last one removes it", async () => {
    const gone = await seedWorkspace(t, "sliced");
    await bulkRows(t, gone, 3_000);
    const kept = await seedWorkspace(t, "other");
    const before = await rowsOf(t, gone.tenantId);
    const keptBefore = await rowsOf(t, kept.tenantId);
    await readyForPurge(t, gone.tenantId);
    const key = `workspace-purge:${gone.tenantId}`;
    await inTransaction(systemCtx(t.db.app), (tx) =>
      enqueue(tx, "workspace-purge", { tenantId: gone.tenantId, reason: "lapsed", batchSize: 500, sliceSeconds: 0, leaseSeconds: 600 }, { jobKey: key }),
    );

    const deps = jobDeps(t);
    const real = createTaskList(deps)["workspace-purge"] as Task;
    // What each slice asks of the queue: [key, seconds from now until the successor is due].
    const slices: [string | undefined, number][][] = [];
    const watched: Task = async (payload, helpers) => {
      const calls: [string | undefined, number][] = [];
      slices.push(calls);
      const addJob: typeof helpers.addJob = (task, p, spec) => {
        calls.push([spec?.jobKey, Math.round(((spec?.runAt?.getTime() ?? Date.now()) - Date.now()) / 1000)]);
        return helpers.addJob(task, p, spec);
      };
      await real(payload, { ...helpers, addJob });
    };
    await runDueJobs(t, deps, { ...createTaskList(deps), "workspace-purge": watched });

    expect(slices.length).toBeGreaterThan(2);
    for (const calls of slices.slice(0, -1)) expect(calls).toEqual([[key, 600], [key, 0]]);
    expect(slices.at(-1)).toEqual([[key, 600]]);
    expect((await queuedJobs(t)).filter((j) => j.key === key || j.task === "workspace-purge")).toEqual([]);
    expect(nonZero(await rowsOf(t, gone.tenantId))).toEqual({});
    expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
    const p = (await purgeProgress(t.db.owner, gone.tenantId))!;
    expect(p.finishedAt).not.toBeNull();
    expect(p.reason).toBe("lapsed");
    expect(p.rowsDeleted).toBe(total(before));
  }, 60_000);

  test("P17 a workspace suspended past its 30 days is handed to the purge by the daily lifecycle sweep, and the queued job deletes it", async () => {
    const gone = await seedWorkspace(t, "lapsed");
    const kept = await seedWorkspace(t, "paying");
    const keptBefore = await rowsOf(t, kept.tenantId);
    const now = new Date();
    await t.su`update tenants set status = 'suspended', suspended_at = ${new Date(now.getTime() - 31 * 86_400_000)}, purge_after = ${new Date(now.getTime() - 86_400_000)} where id = ${gone.tenantId}`;
    expect((await sweepWorkspaceLifecycle(t.db, now)).queued).toEqual([gone.tenantId]);
    await runDueJobs(t, jobDeps(t, { now: () => now }));
    expect(nonZero(await rowsOf(t, gone.tenantId))).toEqual({});
    expect((await purgeProgress(t.db.owner, gone.tenantId))!.reason).toBe("lapsed");
    expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
  }, 60_000);

  test("a slice that throws hands over to its successor with a backoff, and is not itself retried", async () => {
    const tenantId = Bun.randomUUIDv7();
    const key = `workspace-purge:${tenantId}`;
    await inTransaction(systemCtx(t.db.app), (tx) => enqueue(tx, "workspace-purge", { tenantId, reason: "cancelled", leaseSeconds: 60 }, { jobKey: key }));
    const deps = jobDeps(t);
    // The purge's first query fails: the app role has lost its grant on the record.
    await t.su`revoke select on workspace_purges from steward_app`;
    try {
      const t0 = Date.now();
      await runDueJobs(t, deps);
      const jobs = (await queuedJobs(t)).filter((j) => j.task === "workspace-purge");
      const failed = jobs.find((j) => j.key === null)!;
      const successor = jobs.find((j) => j.key === key)!;
      expect(failed.last_error).toContain("permission denied");
      expect(failed.attempts).toBe(failed.max_attempts);
      expect(successor.payload).toMatchObject({ tenantId, failures: 1 });
      expect(successor.run_at.getTime()).toBeGreaterThanOrEqual(t0 + 59_000);
    } finally {
      await t.su`grant select on workspace_purges to steward_app`;
    }
  });
});
