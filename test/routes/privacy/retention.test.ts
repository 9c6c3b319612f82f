import { beforeAll, describe, expect, test } from "bun:test";
import { parseCrontab } from "graphile-worker";
import type { App } from "../../../src/app.tsx";
import { dataMap } from "../../../src/domain/datamap.ts";
import { nextCronRun, RETENTION_JOBS } from "../../../src/domain/privacy/retention.ts";
import { crontab } from "../../../src/jobs/index.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
// Noon UTC today: near the real clock, which signed the test sessions in.
const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY + 12 * 3_600_000);
const at = (days: number, hhmm: string) => `${new Date(NOW.getTime() + days * DAY).toISOString().slice(0, 10)} ${hhmm}`;
let app: App;
let owner: Account;
const page = () => `/t/${owner.slug}/privacy/retention`;

beforeAll(async () => {
  app = testApp({ db: t.db, now: () => NOW, env: { ERASURE_GRACE_DAYS: "21" } });
  owner = await createAccount(t, app);
});

async function withRole(role: "admin" | "privacy" | "member" | "viewer"): Promise<Account> {
  const a = await createAccount(t, app);
  await addMember(t, owner.tenantId, a.user.id, role);
  return a;
}

describe("the retention page", () => {
  test("lists every rule in force with its period and job: the data map's periods, the erasure grace from config, 30 days for cancelled and lapsed workspaces, and backups not yet", async () => {
    const res = await owner.client.get(page());
    expect(res.status).toBe(200);
    const html = await res.text();
    const rows = html.split("<tr>").slice(2);
    const row = (what: string) => rows.find((r) => r.includes(`<strong>${what}</strong>`)) ?? `no row for ${what}`;
    expect(row("audit events")).toContain("12 months");
    expect(row("audit events")).toContain("<code>purge-audit</code>");
    expect(row("audit events")).toContain("<code>15 3 * * *</code>");
    expect(row("data export chunks")).toContain("7 days");
    expect(row("data export chunks")).toContain("<code>purge-exports</code>");
    expect(row("Account deletion grace period")).toContain("21 days");
    expect(row("Cancelled workspace")).toContain("30 days");
    expect(row("Cancelled workspace")).toContain("<code>workspace-lifecycle</code>");
    expect(row("Workspace whose subscription lapsed")).toContain("30 days");
    expect(row("Backups")).toContain("90 days");
    expect(row("Backups")).toContain("Taken and pruned by `bun run backup`");
    for (const e of dataMap.filter((x) => x.retentionDays)) expect(html).toContain(`<strong>${e.table.replaceAll("_", " ")}</strong>`);
  });

  test("shows each job's last run from the worker's cron bookkeeping and its next run from the crontab", async () => {
    await t.su`insert into graphile_worker._private_known_crontabs (identifier, known_since, last_execution)
      values ('purge-audit', ${new Date(NOW.getTime() - 90 * DAY)}, ${new Date(`${at(-1, "03:15")}Z`)})`;
    const html = await (await owner.client.get(page())).text();
    const audit = html.split("<tr>").find((r) => r.includes("<strong>audit events</strong>"))!;
    expect(audit).toContain(at(-1, "03:15"));
    expect(audit).toContain(at(1, "03:15"));
    const sweep = html.split("<tr>").find((r) => r.includes("<strong>Account deletion grace period</strong>"))!;
    expect(sweep).toContain("not yet");
    expect(sweep).toContain(at(0, "12:05")); // hourly at :05
  });

  test("admins and privacy officers may read it; members and viewers get 403; someone outside the workspace gets 404", async () => {
    for (const role of ["admin", "privacy"] as const) expect((await (await withRole(role)).client.get(page())).status).toBe(200);
    for (const role of ["member", "viewer"] as const) expect((await (await withRole(role)).client.get(page())).status).toBe(403);
    const outsider = await createAccount(t, app);
    expect((await outsider.client.get(page())).status).toBe(404);
  });

  test("every table the data map gives a retention period names the scheduled job that deletes it, and every such job is in the crontab", () => {
    const scheduled = new Set(parseCrontab(crontab).map((i) => i.task));
    for (const e of dataMap.filter((x) => x.retentionDays)) {
      expect(`${e.table}: ${e.table in RETENTION_JOBS}`).toBe(`${e.table}: true`);
      const job = RETENTION_JOBS[e.table];
      if (job) expect(`${e.table}: ${job} scheduled ${scheduled.has(job)}`).toBe(`${e.table}: ${job} scheduled true`);
    }
  });

  test("the next run is the first minute after now that the cron line matches", () => {
    const [daily, hourly] = parseCrontab("15 3 * * * purge-audit\n5 * * * * erasure-sweep");
    expect(nextCronRun(daily!.match, new Date("2031-05-01T03:14:30Z"))).toEqual(new Date("2031-05-01T03:15:00Z"));
    expect(nextCronRun(daily!.match, new Date("2031-05-01T03:15:00Z"))).toEqual(new Date("2031-05-02T03:15:00Z"));
    expect(nextCronRun(hourly!.match, new Date("2031-12-31T23:59:00Z"))).toEqual(new Date("2032-01-01T00:05:00Z"));
  });
});
