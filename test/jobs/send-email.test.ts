import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Task } from "graphile-worker";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { purgeOutbox, sendEmailLater } from "../../src/domain/mail/outbox.ts";
import { smtpMailer, type Mailer } from "../../src/domain/mail/transport.ts";
import { createTaskList } from "../../src/jobs/index.ts";
import { useTestDatabase } from "../support/db.ts";
import { queuedEmail } from "../support/factories.ts";
import { jobDeps, makeJobsDue, queuedJobs, runDueJobs } from "../support/jobs.ts";
import { startSmtp, type TestSmtp } from "../support/smtp.ts";

const t = useTestDatabase();
let smtp: TestSmtp;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startSmtp();
  mailer = smtpMailer(smtp.url);
});
afterAll(async () => {
  mailer.close();
  await smtp.close();
});
beforeEach(async () => {
  smtp.messages.length = 0;
  smtp.failNext(0);
  smtp.setDelay(0);
  await t.su`delete from graphile_worker._private_jobs`;
});

const statusOf = async (id: string) => t.db.owner.selectFrom("emails").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("send-email", () => {
  test("the worker delivers a queued email over SMTP, text and HTML, and marks it sent", async () => {
    const email = await queuedEmail(t, { to: "ada@example.com", subject: "Welcome to Steward" });
    expect(email.status).toBe("queued");
    await runDueJobs(t, jobDeps(t, { mailer }));
    const [msg] = await smtp.waitFor(1);
    expect(msg!.subject).toBe("Welcome to Steward");
    expect(msg!.to && "text" in msg!.to ? msg!.to.text : "").toBe("ada@example.com");
    expect(msg!.text).toContain("A test message.");
    expect(msg!.html).toContain("<h1");
    expect(msg!.messageId).toBe(`<${email.id}@steward>`);
    const after = await statusOf(email.id);
    expect(after).toMatchObject({ status: "sent", attempts: 1, last_error: null });
    expect(after.sent_at).toBeInstanceOf(Date);
    expect(await queuedJobs(t)).toEqual([]);
  });

  test("a job retried after a crash that followed delivery does not deliver twice", async () => {
    const email = await queuedEmail(t);
    const real = createTaskList(jobDeps(t, { mailer }))["send-email"] as Task;
    // The process dies after the SMTP server accepted the message, before the job was marked done.
    const crashing: Task = async (payload, helpers) => {
      await real(payload, helpers);
      throw new Error("worker crashed");
    };
    await runDueJobs(t, jobDeps(t, { mailer }), { "send-email": crashing });
    expect(smtp.messages).toHaveLength(1);
    const left = await queuedJobs(t);
    // The crash left the job for a retry. (On a loaded machine the ~3 s backoff can expire inside the same run and
    // the job crash again; that must still deliver once.)
    expect(left.map((j) => [j.task, j.last_error?.split("\n")[0], j.attempts >= 1])).toEqual([["send-email", "worker crashed", true]]);
    await makeJobsDue(t);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(await queuedJobs(t)).toEqual([]);
    expect(smtp.messages).toHaveLength(1);
    expect((await statusOf(email.id)).status).toBe("sent");
  });

  test("two jobs for the same email (a duplicate enqueue) deliver it once, even running concurrently", async () => {
    const email = await queuedEmail(t);
    smtp.setDelay(100);
    await t.su`select graphile_worker.add_job('send-email', ${t.su.json({ emailId: email.id })}::json, job_key => 'dup-a')`;
    await t.su`select graphile_worker.add_job('send-email', ${t.su.json({ emailId: email.id })}::json, job_key => 'dup-b')`;
    // Two runners at once: the row lock makes the second wait, then see the email settled.
    await Promise.all([runDueJobs(t, jobDeps(t, { mailer })), runDueJobs(t, jobDeps(t, { mailer }))]);
    expect(smtp.messages).toHaveLength(1);
  });

  test("one event queued twice under the same key yields one email", async () => {
    const key = `welcome:${crypto.randomUUID()}`;
    await queuedEmail(t, { key });
    const again = await inTransaction(systemCtx(t.db.app), (ctx) => sendEmailLater(ctx, key, { to: "x@example.com", subject: "s", text: "t", html: "h" }));
    expect(again).toBe(false);
    const rows = await t.db.owner.selectFrom("emails").select("id").where("idempotency_key", "=", key).execute();
    expect(rows).toHaveLength(1);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(smtp.messages).toHaveLength(1);
  });

  test("an SMTP failure is recorded and retried with backoff, then delivered once the server recovers", async () => {
    const email = await queuedEmail(t);
    // Down for longer than this run, so a backoff expiring mid-run on a slow machine still finds it down.
    smtp.failNext(1000, "mailbox busy");
    await runDueJobs(t, jobDeps(t, { mailer }));
    const failed = await statusOf(email.id);
    expect(failed.status).toBe("retrying");
    expect(failed.last_error).toContain("mailbox busy");
    const [job] = await queuedJobs(t);
    expect(job!.attempts).toBe(failed.attempts);
    expect(job!.run_at.getTime()).toBeGreaterThan(Date.now() - 1000); // backed off, not retried at once
    smtp.failNext(0);
    await makeJobsDue(t);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(smtp.messages).toHaveLength(1);
    expect(await statusOf(email.id)).toMatchObject({ status: "sent", attempts: failed.attempts + 1, last_error: null });
  });

  test("an unreachable SMTP server leaves the email visible as retrying, not lost", async () => {
    const email = await queuedEmail(t);
    const down = smtpMailer("smtp://127.0.0.1:1");
    try {
      await runDueJobs(t, jobDeps(t, { mailer: down }));
    } finally {
      down.close();
    }
    const row = await statusOf(email.id);
    expect(row.status).toBe("retrying");
    expect(row.last_error).toMatch(/ECONNREFUSED/);
  });

  test("after the last attempt the email is marked failed with its error and the job is not retried", async () => {
    const email = await queuedEmail(t);
    await t.su`update graphile_worker._private_jobs set max_attempts = 2, attempts = 1`;
    smtp.failNext(5, "rejected for good");
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(await statusOf(email.id)).toMatchObject({ status: "failed" });
    expect((await statusOf(email.id)).last_error).toContain("rejected for good");
    expect(await queuedJobs(t)).toEqual([]);
  });

  test("without SMTP configured the email is captured in the outbox for the development mailbox", async () => {
    const email = await queuedEmail(t);
    await runDueJobs(t, jobDeps(t, { mailer: null }));
    expect(await statusOf(email.id)).toMatchObject({ status: "captured", attempts: 1 });
    expect(smtp.messages).toHaveLength(0);
  });
});

describe("purge-outbox", () => {
  test("settled email older than 30 days is deleted, newer and unsettled email is kept", async () => {
    const now = new Date("2026-06-30T12:00:00Z");
    const old = await queuedEmail(t, { now: new Date("2026-05-30T11:00:00Z") });
    const oldButRetrying = await queuedEmail(t, { now: new Date("2026-05-01T00:00:00Z") });
    const recent = await queuedEmail(t, { now: new Date("2026-06-01T00:00:00Z") });
    await t.db.owner.updateTable("emails").set({ status: "sent" }).where("id", "in", [old.id, recent.id]).execute();
    await t.db.owner.updateTable("emails").set({ status: "retrying" }).where("id", "=", oldButRetrying.id).execute();
    const deleted = await purgeOutbox(t.db.owner, now, 1);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const ids = (await t.db.owner.selectFrom("emails").select("id").execute()).map((r) => r.id);
    expect(ids).not.toContain(old.id);
    expect(ids).toContain(recent.id);
    expect(ids).toContain(oldButRetrying.id);
  });

  test("it is registered on the worker's crontab", async () => {
    const { crontab } = await import("../../src/jobs/index.ts");
    const { parseCrontab } = await import("graphile-worker");
    const items = parseCrontab(crontab);
    expect(items.map((i) => i.task)).toContain("purge-outbox");
    const tasks = Object.keys(createTaskList(jobDeps(t)));
    for (const i of items) expect(tasks).toContain(i.task);
  });
});
