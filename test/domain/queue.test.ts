import { describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { enqueue } from "../../src/domain/queue.ts";
import { useTestDatabase } from "../support/db.ts";
import { queuedJobs } from "../support/jobs.ts";

const t = useTestDatabase();

describe("enqueue", () => {
  test("a job added in a transaction that rolls back does not exist", async () => {
    const ctx = systemCtx(t.db.app);
    await expect(
      inTransaction(ctx, async (tx) => {
        await enqueue(tx, "purge-outbox", { marker: "rolled-back" });
        throw new Error("the write failed");
      }),
    ).rejects.toThrow("the write failed");
    const jobs = await queuedJobs(t);
    expect(jobs.filter((j) => JSON.stringify(j.payload).includes("rolled-back"))).toEqual([]);
  });

  test("a job added in a committed transaction is queued with its payload as a JSON object", async () => {
    const ctx = systemCtx(t.db.app);
    const runAt = new Date(Date.now() + 3_600_000);
    await inTransaction(ctx, (tx) => enqueue(tx, "purge-outbox", { marker: "committed", n: 2 }, { runAt, jobKey: "k1", maxAttempts: 3 }));
    const job = (await queuedJobs(t)).find((j) => j.key === "k1")!;
    expect(job.task).toBe("purge-outbox");
    expect(job.payload).toEqual({ marker: "committed", n: 2 });
    expect(job.max_attempts).toBe(3);
    expect(job.run_at.getTime()).toBe(runAt.getTime());
  });

  test("the job is invisible to other connections until the transaction commits", async () => {
    const ctx = systemCtx(t.db.app);
    await inTransaction(ctx, async (tx) => {
      await enqueue(tx, "purge-outbox", { marker: "pending" }, { jobKey: "k-pending" });
      expect((await queuedJobs(t)).some((j) => j.key === "k-pending")).toBe(false);
    });
    expect((await queuedJobs(t)).some((j) => j.key === "k-pending")).toBe(true);
  });

  test("a payload carrying an email address is refused: job tables are never erased", async () => {
    await expect(enqueue(systemCtx(t.db.app), "send-email", { to: "someone@example.com" })).rejects.toThrow("personal data");
  });

  test("the app role cannot read or write graphile-worker's tables directly, only call the wrapper", async () => {
    await expect(sql`select * from graphile_worker._private_jobs`.execute(t.db.app)).rejects.toThrow(/permission denied/);
    await expect(sql`select graphile_worker.add_job('purge-outbox', '{}'::json)`.execute(t.db.app)).rejects.toThrow(/permission denied/);
  });

});
