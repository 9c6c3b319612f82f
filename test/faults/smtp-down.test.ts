import { afterAll, describe, expect, test } from "bun:test";
import { freeLowPort } from "../../src/domain/embedded.ts";
import { smtpMailer } from "../../src/domain/mail/transport.ts";
import { useTestDatabase } from "../support/db.ts";
import { queuedEmail } from "../support/factories.ts";
import { jobDeps, makeJobsDue, queuedJobs, runDueJobs } from "../support/jobs.ts";
import { startSmtp, type TestSmtp } from "../support/smtp.ts";

// Issue 10, item 6: the mail server is down. Email jobs fail and wait (graphile-worker's backoff; the test moves
// the queue's clock instead of sleeping), then, once a real SMTP server listens on that port, every email arrives
// exactly once.

const t = useTestDatabase();
const port = freeLowPort(20000, 32000);
const mailer = smtpMailer(`smtp://127.0.0.1:${port}`);
let smtp: TestSmtp | null = null;
afterAll(async () => {
  mailer.close();
  await smtp?.close();
});

const statuses = async () => (await t.su<{ status: string }[]>`select status from emails order by created_at`).map((r) => r.status);

describe("SMTP down", () => {
  test("emails queued while the mail server is unreachable wait, retrying; when it is back each arrives exactly once and further runs send nothing more", async () => {
    const emails = [];
    for (let i = 0; i < 5; i++) emails.push(await queuedEmail(t, { subject: `While down ${i}` }));
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(await statuses()).toEqual(Array(5).fill("retrying"));
    const waiting = await queuedJobs(t);
    expect(waiting).toHaveLength(5);
    for (const j of waiting) expect(j.run_at.getTime()).toBeGreaterThan(Date.now()); // backed off, not lost

    // Still down at the next attempt: nothing is lost or given up on.
    await makeJobsDue(t);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(await statuses()).toEqual(Array(5).fill("retrying"));

    smtp = await startSmtp(port);
    await makeJobsDue(t);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(await statuses()).toEqual(Array(5).fill("sent"));
    await makeJobsDue(t);
    await runDueJobs(t, jobDeps(t, { mailer }));
    expect(smtp.messages.map((m) => m.subject).sort()).toEqual(emails.map((e) => e.subject).sort());
    expect(await queuedJobs(t)).toEqual([]);
  });
});
