import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { smtpMailer } from "../../src/domain/mail/transport.ts";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";
import { startSmtp } from "../support/smtp.ts";

const t = useTestDatabase();

/**
 * P19: the only mail Steward sends, by the idempotency-key prefix each kind is queued under, and why it is sent.
 * Adding a kind means adding it here, where a reviewer sees it: no newsletters, no nudges, no marketing.
 */
const TRANSACTIONAL: Record<string, string> = {
  welcome: "the account was created",
  invite: "access granted: an invitation to a workspace",
  lockout: "the account was locked after failed sign-ins",
  reset: "a password reset link the user asked for",
  "password-reset-done": "the password was reset",
  "password-changed": "the password was changed",
  "email-change": "confirming a new address the user entered",
  "email-changed": "telling the old address it was replaced",
  "export-ready": "a data export the user asked for is ready",
  "privacy-code": "the code that verifies a privacy request",
  "account-erasure-scheduled": "an account deletion was asked for, with the link that cancels it",
  "account-erased": "the account deletion is done",
  "workspace-cancelled": "a workspace was cancelled, with the date it will be deleted",
  "crew-schedule": "schedule distribution: an employee's (and a foreman's crew's) assignments for the coming week, once per week",
  "pour-confirmed": "a concrete pour was confirmed: its details to each crew member and project contact, once per confirmation",
  "pour-weather": "the forecast flags tomorrow's pour: to the project's manager, once per pour, day and set of flags",
  "lead-form": "a public lead form created a lead: to the lead's owner, when the form is set to notify, once per lead",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe("P19 transactional email only", () => {
  test("P19 every place that queues mail uses one of the transactional kinds", () => {
    const kinds = new Set<string>();
    for (const file of sourceFiles(join(import.meta.dir, "../../src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/sendEmailLater\(\s*\w+,\s*`([a-z-]+):/g)) kinds.add(m[1]!);
      // A call whose key is not a literal `kind:…` template could hide any kind: refuse it.
      for (const m of text.matchAll(/sendEmailLater\(\s*\w+,\s*([^`\s])/g)) if (!file.endsWith("outbox.ts")) throw new Error(`${file}: key starts with ${m[1]}`);
    }
    expect(kinds.size).toBeGreaterThan(5);
    expect([...kinds].filter((k) => !(k in TRANSACTIONAL))).toEqual([]);
  });

  test("P19 the mail of a user's whole journey is transactional, sent by the worker over SMTP, retried after a failure and never doubled", async () => {
    const smtp = await startSmtp();
    const mailer = smtpMailer(smtp.url);
    try {
      const app = testApp({ db: t.db });
      const owner = await createAccount(t, app, { email: "owner-p19@example.com" }); // welcome
      await owner.client.post(`/t/${owner.slug}/members/invitations`, { email: "invitee-p19@example.com", role: "member" }); // invite
      const stranger = new Client(app);
      await stranger.post("/password-reset", { email: "owner-p19@example.com" }); // reset
      for (let i = 0; i < 10; i++) await new Client(app).post("/signin", { email: "owner-p19@example.com", password: "wrong password here" }); // lockout
      const other = await createAccount(t, app, { email: "leaver-p19@example.com" }); // welcome
      expect((await other.client.post("/profile/deletion", { password: PASSWORD })).status).toBe(303); // account-erasure-scheduled

      const rows = await t.su<{ key: string; to_address: string; subject: string }[]>`select idempotency_key as key, to_address, subject from emails order by created_at`;
      const kinds = rows.map((r) => r.key.split(":")[0]!);
      expect(new Set(kinds)).toEqual(new Set(["welcome", "invite", "reset", "lockout", "account-erasure-scheduled"]));
      expect(kinds.filter((k) => !(k in TRANSACTIONAL))).toEqual([]);

      // The first delivery attempt meets a struggling server; the retry gets through. Running the queue again sends nothing more.
      smtp.failNext(1);
      const deps = jobDeps(t, { mailer });
      // Only the mail jobs are brought forward: the account deletion itself waits for its grace period.
      const mailDue = () => t.su`update graphile_worker._private_jobs set run_at = now() - interval '1 second'
        where task_id = (select id from graphile_worker._private_tasks where identifier = 'send-email')`;
      await runDueJobs(t, deps);
      await mailDue();
      await runDueJobs(t, deps);
      await mailDue();
      await runDueJobs(t, deps);
      expect(smtp.messages.length).toBe(rows.length);
      const sent = await t.su<{ status: string }[]>`select status from emails`;
      expect(sent.every((s) => s.status === "sent")).toBe(true);
      for (const m of smtp.messages) {
        expect(m.headers.has("list-unsubscribe")).toBe(false);
        expect(m.from?.text).toContain("no-reply@steward.test");
      }
      const perRecipientSubject = smtp.messages.map((m) => `${m.to && "text" in m.to ? m.to.text : ""}|${m.subject}`);
      expect(new Set(perRecipientSubject).size).toBe(perRecipientSubject.length);
    } finally {
      mailer.close();
      await smtp.close();
    }
  }, 30_000);
});
