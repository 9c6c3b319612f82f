import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { queueDueDistributions, runDistribution } from "../../../src/domain/crews/distribution.ts";
import { smtpMailer } from "../../../src/domain/mail/transport.ts";
import { crontab } from "../../../src/jobs/index.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../../support/jobs.ts";
import { startSmtp, type TestSmtp } from "../../support/smtp.ts";
import { assign, seedCrew, type CrewFixture } from "./schedule-fixture.ts";

const t = useTestDatabase();
// Wednesday 5 March 2025 (week 2025-W10); next week is 2025-W11, Monday 10 to Sunday 16 March.
const clock = new Date("2025-03-05T12:00:00Z");
let app: ReturnType<typeof testApp>;
let owner: Account;
let crew: CrewFixture;
let noEmail: string;
let smtp: TestSmtp;
let mailer: ReturnType<typeof smtpMailer>;
const scheduleMail = () => smtp.messages.filter((m) => m.subject?.startsWith("Your schedule"));

const base = (a: Account = owner) => `/t/${a.slug}/crews/schedule`;
const emailsOf = (tenantId: string) =>
  t.su<{ key: string; to_address: string; text_body: string }[]>`select idempotency_key as key, to_address, text_body from emails where idempotency_key like ${`crew-schedule:${tenantId}:%`} order by to_address`;

beforeAll(async () => {
  smtp = await startSmtp();
  mailer = smtpMailer(smtp.url);
  app = testApp({ db: t.db, now: () => clock });
  owner = await createAccount(t, app);
  crew = await seedCrew(t, owner.tenantId, { workers: 2 });
  noEmail = Bun.randomUUIDv7();
  await t.su`insert into crew_employees (tenant_id, id, name, trade, foreman_id, created_at, updated_at) values (${owner.tenantId}, ${noEmail}, 'Nora No-Mail', 'Finisher', ${crew.foreman}, now(), now())`;
  await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-10", { projectId: crew.projects[0], hours: 8, start: "07:00" });
  await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-11", { kind: "pto" });
  await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-12", { projectId: crew.projects[1], start: "06:30" });
  await assign(t, owner.tenantId, noEmail, "2025-03-10", { projectId: crew.projects[0] });
  // Not next week: must not be in anyone's email.
  await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-05", { kind: "sick" });
});

afterAll(async () => {
  mailer.close();
  await smtp.close();
});

describe("schedule distribution", () => {
  test("P19 'send now' emails each person their week and each foreman their crew's, once, over SMTP, even when the job runs twice", async () => {
    const res = await owner.client.post(`${base()}/distribution`, { week: "2025-W11" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toContain("done=sending");
    const jobs = (await queuedJobs(t)).filter((j) => j.task === "crew-schedule-send");
    expect(jobs.length).toBe(1);
    expect(JSON.stringify(jobs[0]!.payload)).not.toMatch(/@|Worker|Fiona/);

    const deps = jobDeps(t, { mailer, now: () => clock });
    await runDueJobs(t, deps);
    await runDueJobs(t, deps);
    const rows = await emailsOf(owner.tenantId);
    // Fiona (foreman, no days herself but a crew), Worker A and Worker B; Lou is on nobody's schedule.
    expect(rows.map((r) => r.to_address)).toEqual(["fiona@crew.example.com", "worker0@crew.example.com", "worker1@crew.example.com"]);
    expect(rows.map((r) => r.key)).toEqual([crew.foreman, crew.workers[0]!, crew.workers[1]!].map((id) => `crew-schedule:${owner.tenantId}:2025-W11:${id}`));
    expect(scheduleMail().length).toBe(3);
    const a = scheduleMail().find((m) => m.text?.includes("Worker A, your schedule"))!;
    expect(a.subject).toBe("Your schedule for 10 Mar – 16 Mar 2025");
    expect(a.text).toContain("Mon 10 Mar: Riverside Tower, 1 Main Street, start 07:00, 8 h");
    expect(a.text).toContain("Tue 11 Mar: PTO");
    expect(a.text).not.toContain("Sick");
    const fiona = scheduleMail().find((m) => m.text?.includes("Fiona Foreman, your schedule"))!;
    expect(fiona.text).toContain("Your crew (3):");
    expect(fiona.text).toContain("Worker B: Wed 12 Mar: Harbor Bridge, 2 Main Street, start 06:30");
    expect(fiona.text).toContain("Nora No-Mail: Mon 10 Mar: Riverside Tower");

    // The same job again, and a second "send now": nobody gets a second email for the week.
    const [dist] = await t.su<{ id: string }[]>`select id from crew_distributions where tenant_id = ${owner.tenantId}`;
    expect(await runDistribution(t.db.app, owner.tenantId, dist!.id, clock)).toBe("already-done");
    await t.su`update crew_distributions set status = 'queued' where id = ${dist!.id}`;
    expect(await runDistribution(t.db.app, owner.tenantId, dist!.id, clock)).toBe("sent");
    expect((await owner.client.post(`${base()}/distribution`, { week: "2025-W11" })).status).toBe(303);
    await runDueJobs(t, deps);
    expect((await emailsOf(owner.tenantId)).length).toBe(3);
    expect(scheduleMail().length).toBe(3);
    const [event] = await t.su`select changes from audit_events where tenant_id = ${owner.tenantId} and action = 'schedule.distribution_requested' order by seq limit 1`;
    expect(event!.changes).toEqual({ week: "2025-W11" });
  });

  test("people on the schedule without an email address are listed on the page after sending", async () => {
    const html = await (await owner.client.get(`${base()}?week=2025-W11`)).text();
    expect(html).toContain('id="no-email"');
    expect(html).toContain("1 person on the schedule has no email address and got nothing:");
    expect(html).toMatch(/<li>Nora No-Mail<\/li>/);
    expect(html).toContain("to 3 people");
    const [d] = await t.su`select emailed_count, unreachable_ids from crew_distributions where tenant_id = ${owner.tenantId} order by created_at desc limit 1`;
    expect(d!.unreachable_ids).toEqual([noEmail]);
  });

  test("the cron line fans out to workspaces whose send time has come in their own time zone, once per week", async () => {
    expect(crontab).toContain("*/15 * * * * crew-schedule-due");
    const chicago = await createAccount(t, app);
    const tokyo = await createAccount(t, app);
    for (const [a, tz] of [[chicago, "America/Chicago"], [tokyo, "Asia/Tokyo"]] as const) {
      await t.su`update tenants set time_zone = ${tz} where id = ${a.tenantId}`;
      const c = await seedCrew(t, a.tenantId, { workers: 1 });
      await assign(t, a.tenantId, c.workers[0]!, "2025-03-10", { projectId: c.projects[0] });
      await assign(t, a.tenantId, c.workers[0]!, "2025-03-17", { projectId: c.projects[0] });
      await t.su`insert into crew_settings (tenant_id, distribution_weekday, distribution_time, updated_at) values (${a.tenantId}, 5, '14:00', now())`;
    }
    const ours = async (now: Date) => (await queueDueDistributions(t.db, now)).queued.filter((q) => q.tenantId === chicago.tenantId || q.tenantId === tokyo.tenantId);
    // Friday 7 March 05:30 UTC is 14:30 in Tokyo but still Thursday night in Chicago.
    expect(await ours(new Date("2025-03-07T05:30:00Z"))).toEqual([{ tenantId: tokyo.tenantId, week: "2025-W11" }]);
    expect(await ours(new Date("2025-03-07T05:45:00Z"))).toEqual([]);
    // 14:00 in Chicago (CST, UTC−6) is 20:00 UTC.
    expect(await ours(new Date("2025-03-07T19:45:00Z"))).toEqual([]);
    expect(await ours(new Date("2025-03-07T20:00:00Z"))).toEqual([{ tenantId: chicago.tenantId, week: "2025-W11" }]);
    expect(await ours(new Date("2025-03-07T20:15:00Z"))).toEqual([]);
    // A week later (after the switch to daylight time, CDT, UTC−5) the next week goes at 19:00 UTC.
    expect(await ours(new Date("2025-03-14T18:45:00Z"))).toEqual([{ tenantId: tokyo.tenantId, week: "2025-W12" }]);
    expect(await ours(new Date("2025-03-14T19:00:00Z"))).toEqual([{ tenantId: chicago.tenantId, week: "2025-W12" }]);
    const sent = await t.su`select week, trigger from crew_distributions where tenant_id = ${chicago.tenantId} order by week`;
    expect(sent.map((r: any) => `${r.week} ${r.trigger}`)).toEqual(["2025-W11 schedule", "2025-W12 schedule"]);
  });
});
