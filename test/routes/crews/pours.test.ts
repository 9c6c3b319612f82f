import { beforeAll, describe, expect, test } from "bun:test";
import ExcelJS from "exceljs";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { listLookahead } from "../../../src/domain/crews/pour-lists.ts";
import { smtpMailer } from "../../../src/domain/mail/transport.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { startSmtp } from "../../support/smtp.ts";
import { shortDay } from "../../../src/domain/crews/week.ts";
import { day, NOW, pourBody, postPour, pourWorld, TODAY, TOMORROW, type PourWorld } from "./pour-fixture.ts";

const t = useTestDatabase();
let app: ReturnType<typeof testApp>;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => NOW });
});

const pourRow = async (id: string) =>
  (await t.su<{ status: string; volume_unit: string; volume: string; start_time: string; confirmed_at: Date | null; status_reason: string | null }[]>`
    select status, volume_unit, volume::text, start_time::text, confirmed_at, status_reason from crew_pours where id = ${id}`)[0];
const actions = async (tenantId: string) =>
  [...(await t.su<{ action: string; changes: Record<string, unknown> | null }[]>`select action, changes from audit_events where tenant_id = ${tenantId} and action like 'pour%' order by seq`)];
const countPours = async (tenantId: string) => Number((await t.su`select count(*)::int as n from crew_pours where tenant_id = ${tenantId}`)[0]!.n);

async function assign(w: PourWorld, employeeId: string, day: string, kind: "project" | "pto" | "sick", projectId: string | null) {
  await inTransaction(systemCtx(t.db.app, NOW, w.account.tenantId), (tx) =>
    tx.db.insertInto("crew_assignments").values({ tenant_id: w.account.tenantId, id: Bun.randomUUIDv7(), employee_id: employeeId, day, kind, project_id: projectId, created_at: NOW }).execute(),
  );
}

describe("pours: create, view, change, delete", () => {
  test("a pour is created with its crews and the workspace's unit (yd³ imperial, m³ metric), and its page shows it", async () => {
    const w = await pourWorld(t, app);
    const res = await w.account.client.post(w.base, pourBody(w));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${w.base}/[0-9a-f-]{36}\\?done=created$`));
    const id = res.headers.get("location")!.split("/").pop()!.split("?")[0]!;
    const row = await pourRow(id);
    expect({ status: row!.status, unit: row!.volume_unit, volume: row!.volume, start: row!.start_time }).toEqual({ status: "tentative", unit: "yd3", volume: "120", start: "07:00:00" });
    const crews = await t.su<{ employee_id: string; role: string }[]>`select employee_id, role from crew_pour_crews where pour_id = ${id}`;
    expect(crews.map((c) => `${c.role}:${c.employee_id}`).sort()).toEqual([`finishing:${w.ana}`, `placing:${w.ben}`, `placing:${w.cal}`].sort());
    const page = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(page).toContain("Level 3 deck");
    expect(page).toContain("120 yd³");
    expect(page).toContain("Ana Finisher (Finisher)");

    const m = await pourWorld(t, app, { units: "metric" });
    const mid = await postPour(m);
    expect((await pourRow(mid))!.volume_unit).toBe("m3");
  });

  test("bad input is refused field by field with 422, and nothing is saved", async () => {
    const w = await pourWorld(t, app);
    const other = await pourWorld(t, app);
    const cases: [URLSearchParams, string][] = [
      [pourBody(w, { project_id: "" }), "Choose a project"],
      [pourBody(w, { project_id: other.projectId }), "Choose a project from the list."],
      [pourBody(w, { day: "2031-02-30" }), "Enter the date as YYYY-MM-DD."],
      [pourBody(w, { start_time: "25:00" }), "Enter the start time as HH:MM"],
      [pourBody(w, { location: "  " }), "Enter the element or location"],
      [pourBody(w, { volume: "-4" }), "Enter the volume"],
      [pourBody(w, { volume: "lots" }), "Enter the volume as a number"],
      [pourBody(w, {}, { placing: [other.ana] }), "Choose active employees from the list."],
      [pourBody(w, {}, { finishing: ["not-an-id"] }), "Choose people from the list."],
    ];
    for (const [body, message] of cases) {
      const res = await w.account.client.post(w.base, body);
      const html = await res.text();
      expect({ status: res.status, has: html.includes(message) }).toEqual({ status: 422, has: true });
    }
    expect(await countPours(w.account.tenantId)).toBe(0);
    expect(await actions(w.account.tenantId)).toEqual([]);
  });

  test("changing a confirmed pour's day makes it tentative again; changing its notes does not", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    expect((await w.account.client.post(`${w.base}/${id}/confirmation`, {})).status).toBe(303);
    let res = await w.account.client.post(`${w.base}/${id}`, pourBody(w, { notes: "Bring the vibrators" }));
    expect(res.headers.get("location")).toEndWith("?done=saved");
    expect((await pourRow(id))!.status).toBe("confirmed");
    res = await w.account.client.post(`${w.base}/${id}`, pourBody(w, { day: day(2), notes: "Bring the vibrators" }));
    expect(res.headers.get("location")).toEndWith("?done=unconfirmed");
    const row = await pourRow(id);
    expect({ status: row!.status, confirmed_at: row!.confirmed_at }).toEqual({ status: "tentative", confirmed_at: null });
    const bad = await w.account.client.post(`${w.base}/${id}`, pourBody(w, { volume: "" }));
    expect(bad.status).toBe(422);
    expect((await t.su`select day::text from crew_pours where id = ${id}`)[0]!.day).toBe(day(2));
  });

  test("deleting a pour removes it with its crews and log", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    await w.account.client.post(`${w.base}/${id}/completion`, { actual_volume: "118" });
    const res = await w.account.client.post(`${w.base}/${id}/deletion`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${w.base}?done=deleted`);
    expect(await pourRow(id)).toBeUndefined();
    expect([...(await t.su`select pour_id from crew_pour_crews where pour_id = ${id} union all select pour_id from crew_pour_logs where pour_id = ${id}`)]).toEqual([]);
    expect((await w.account.client.get(`${w.base}/${id}`)).status).toBe(404);
  });

  test("markup typed into a pour is shown as text on its page, the lookahead and the day schedule", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w, { location: "<script>alert(1)</script>", notes: "<b>bold</b>" });
    for (const path of [`${w.base}/${id}`, w.base, `${w.base}/days/${TOMORROW}`]) {
      const html = await (await w.account.client.get(path)).text();
      expect(html).not.toContain("<script>alert(1)</script>");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});

describe("pour states", () => {
  test("logging a pour marks it poured with its log; bad log input is 422 with nothing saved", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    const bad = await w.account.client.post(`${w.base}/${id}/completion`, { actual_volume: "", started_at: "7am", air_temp: "hot" });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Enter the volume poured");
    expect(html).toContain("Enter the start as HH:MM");
    expect((await pourRow(id))!.status).toBe("tentative");
    const ok = await w.account.client.post(`${w.base}/${id}/completion`, { actual_volume: "118.5", started_at: "07:10", ended_at: "11:45", air_temp: "58", concrete_temp: "65", notes: "Smooth" });
    expect(ok.status).toBe(303);
    expect((await pourRow(id))!.status).toBe("poured");
    const [log] = await t.su<{ actual_volume: string; started_at: string; ended_at: string; air_temp: string; concrete_temp: string; temp_unit: string; logged_by: string }[]>`
      select actual_volume::text, started_at::text, ended_at::text, air_temp::text, concrete_temp::text, temp_unit, logged_by from crew_pour_logs where pour_id = ${id}`;
    if (!log) throw new Error("no log");
    expect({ v: log.actual_volume, s: log.started_at, e: log.ended_at, a: log.air_temp, c: log.concrete_temp, u: log.temp_unit, by: log.logged_by }).toEqual({ v: "118.5", s: "07:10:00", e: "11:45:00", a: "58", c: "65", u: "F", by: w.account.user.id });
    expect(await (await w.account.client.get(`${w.base}/${id}`)).text()).toContain("118.5 yd³");
  });

  test("cancelling needs a reason (422 without one); the weather box makes it weather-cancelled; a cancelled pour can't be confirmed", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    const bad = await w.account.client.post(`${w.base}/${id}/cancellation`, { reason: " ", weather: "1" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Say why the pour is cancelled.");
    expect((await pourRow(id))!.status).toBe("tentative");
    expect((await w.account.client.post(`${w.base}/${id}/cancellation`, { reason: "Rain all day", weather: "1" })).status).toBe(303);
    const row = await pourRow(id);
    expect({ status: row!.status, reason: row!.status_reason }).toEqual({ status: "weather_cancelled", reason: "Rain all day" });
    expect((await w.account.client.post(`${w.base}/${id}/confirmation`, {})).status).toBe(409);
    const id2 = await postPour(w);
    await w.account.client.post(`${w.base}/${id2}/cancellation`, { reason: "Owner delay" });
    expect((await pourRow(id2))!.status).toBe("cancelled");
  });

  test("P10 every change to a pour is audited: created, updated, confirmed, poured, log corrected, cancelled, deleted", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    await w.account.client.post(`${w.base}/${id}`, pourBody(w, { location: "Level 4 deck" }));
    await w.account.client.post(`${w.base}/${id}/confirmation`, {});
    await w.account.client.post(`${w.base}/${id}/completion`, { actual_volume: "110" });
    await w.account.client.post(`${w.base}/${id}/completion`, { actual_volume: "111" });
    const id2 = await postPour(w);
    await w.account.client.post(`${w.base}/${id2}/cancellation`, { reason: "No pump" });
    await w.account.client.post(`${w.base}/${id2}/deletion`, {});
    const rows = await actions(w.account.tenantId);
    expect(rows.map((r) => r.action)).toEqual(["pour.created", "pour.updated", "pour.confirmed", "pour.poured", "pour_log.updated", "pour.created", "pour.cancelled", "pour.deleted"]);
    expect(rows[1]!.changes).toMatchObject({ location: { from: "Level 3 deck", to: "Level 4 deck" } });
    expect(rows[4]!.changes).toMatchObject({ actual_volume: 111 });
    expect(rows[6]!.changes).toMatchObject({ reason: "No pump", status: { from: "tentative", to: "cancelled" } });
  });

  test("roles: viewers and privacy officers can read pours but get 403 on every change", async () => {
    const w = await pourWorld(t, app);
    const id = await postPour(w);
    for (const role of ["viewer", "privacy"] as const) {
      const other = await createAccount(t, app);
      await addMember(t, w.account.tenantId, other.user.id, role);
      const c = other.client;
      expect((await c.get(`${w.base}/${id}`)).status).toBe(200);
      expect((await c.get(w.base)).status).toBe(200);
      for (const [path, body] of [
        [w.base, pourBody(w)],
        [`${w.base}/${id}`, pourBody(w)],
        [`${w.base}/${id}/confirmation`, new URLSearchParams({ anyway: "1" })],
        [`${w.base}/${id}/completion`, new URLSearchParams({ actual_volume: "1" })],
        [`${w.base}/${id}/cancellation`, new URLSearchParams({ reason: "x" })],
        [`${w.base}/${id}/deletion`, new URLSearchParams()],
      ] as const) {
        expect({ role, path, status: (await c.post(path, body)).status }).toEqual({ role, path, status: 403 });
      }
      expect((await c.get(`${w.base}/new`)).status).toBe(403);
    }
    expect((await pourRow(id))!.status).toBe("tentative");
    expect(await countPours(w.account.tenantId)).toBe(1);
  });
});

describe("confirmation: crew conflicts and emails", () => {
  test("conflicts (another project, PTO, an overlapping confirmed pour) refuse the confirmation with 409 until 'confirm anyway' is ticked", async () => {
    const w = await pourWorld(t, app);
    const first = await postPour(w, { start_time: "06:00", location: "Footings" }, { placing: [w.cal], finishing: [] });
    expect((await w.account.client.post(`${w.base}/${first}/confirmation`, {})).status).toBe(303);
    const id = await postPour(w);
    await assign(w, w.ben, TOMORROW, "project", w.otherProjectId);
    await assign(w, w.ana, TOMORROW, "pto", null);
    await assign(w, w.ana, day(2), "sick", null); // another day: no conflict
    const page = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(page).toContain("Ben Laborer: scheduled on P-200 · Mill Street Garage");
    const res = await w.account.client.post(`${w.base}/${id}/confirmation`, {});
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain("Not confirmed");
    expect(html).toContain("Ana Finisher: on PTO");
    expect(html).toContain("Ben Laborer: scheduled on P-200 · Mill Street Garage");
    expect(html).toContain("Cal Nomail: on the confirmed pour at 06:00, P-100 · Harbor Tower (Footings)");
    expect(html).toContain('name="anyway"');
    expect((await pourRow(id))!.status).toBe("tentative");
    const anyway = await w.account.client.post(`${w.base}/${id}/confirmation`, { anyway: "1" });
    expect(anyway.status).toBe(303);
    expect((await pourRow(id))!.status).toBe("confirmed");
    const audit = (await actions(w.account.tenantId)).filter((a) => a.action === "pour.confirmed");
    expect((audit[1]!.changes as { conflicts_overridden: string[] }).conflicts_overridden).toHaveLength(3);
  });

  test("a pour on the crew's own project that day, or a confirmed pour 4 hours apart, is no conflict", async () => {
    const w = await pourWorld(t, app);
    const early = await postPour(w, { start_time: "03:00" }, { placing: [w.ben], finishing: [] });
    await w.account.client.post(`${w.base}/${early}/confirmation`, {});
    await assign(w, w.ben, TOMORROW, "project", w.projectId);
    const id = await postPour(w, { start_time: "07:00" }, { placing: [w.ben], finishing: [] });
    expect((await w.account.client.post(`${w.base}/${id}/confirmation`, {})).status).toBe(303);
  });

  test("P19 confirming emails the crew members with an email and the project's contacts, once, through the worker over SMTP", async () => {
    const smtp = await startSmtp();
    const mailer = smtpMailer(smtp.url);
    try {
      const w = await pourWorld(t, app);
      const id = await postPour(w);
      const res = await w.account.client.post(`${w.base}/${id}/confirmation`, {});
      expect(res.headers.get("location")).toBe(`${w.base}/${id}?done=confirmed&n=3`);
      // A double click: nothing new.
      expect((await w.account.client.post(`${w.base}/${id}/confirmation`, {})).status).toBe(303);
      const deps = jobDeps(t, { mailer });
      await runDueJobs(t, deps);
      await runDueJobs(t, deps);
      // The queue holds earlier tests' mail too: only this workspace's people count here.
      const pours = () => smtp.messages.filter((m) => m.subject?.startsWith("Pour confirmed") && (Array.isArray(m.to) ? m.to[0] : m.to)!.text.includes(w.account.slug + "@"));
      const to = pours().map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.text).sort();
      const tag = w.account.slug;
      expect(to).toEqual([`ana-${tag}@example.com`, `ben-${tag}@example.com`, `gina-${tag}@example.com`]);
      const ana = pours().find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.text.startsWith("ana-"))!;
      expect(ana.subject).toBe(`Pour confirmed: Level 3 deck, ${shortDay(TOMORROW)} 07:00`);
      expect(ana.text).toContain("You are on the finishing crew of this pour.");
      expect(ana.text).toContain("Volume: 120 yd³");
      expect(ana.text).toContain("Placing crew: Ben Laborer, Cal Nomail");
      const keys = (await t.su<{ idempotency_key: string }[]>`select idempotency_key from emails where idempotency_key like ${`pour-confirmed:${id}:%`}`).map((e) => e.idempotency_key).sort();
      expect(keys).toEqual([`pour-confirmed:${id}:1:contact:${w.contactId}`, `pour-confirmed:${id}:1:employee:${w.ana}`, `pour-confirmed:${id}:1:employee:${w.ben}`].sort());
      // Moved and confirmed again: a second round, numbered 2.
      await w.account.client.post(`${w.base}/${id}`, pourBody(w, { day: day(3) }));
      await w.account.client.post(`${w.base}/${id}/confirmation`, {});
      await runDueJobs(t, deps);
      expect(pours()).toHaveLength(6);
    } finally {
      mailer.close();
      await smtp.close();
    }
  }, 30_000);

  test("P19 cancelling a confirmed pour (for the weather or not) emails the people told of its confirmation, once, over SMTP; a tentative pour's cancellation emails no one", async () => {
    const smtp = await startSmtp();
    const mailer = smtpMailer(smtp.url);
    try {
      const w = await pourWorld(t, app);
      const tag = w.account.slug;
      const addressOf = (m: { to?: unknown }) => ((Array.isArray(m.to) ? m.to[0] : m.to) as { text: string }).text;
      const mine = (prefix: string) => smtp.messages.filter((m) => m.subject?.startsWith(prefix) && addressOf(m).includes(`${tag}@`));
      const deps = jobDeps(t, { mailer });
      const confirmed = await postPour(w, { location: "Level 4 deck" });
      expect((await w.account.client.post(`${w.base}/${confirmed}/confirmation`, {})).status).toBe(303);
      await runDueJobs(t, deps);
      const told = mine("Pour confirmed").map(addressOf).sort();
      expect(told).toEqual([`ana-${tag}@example.com`, `ben-${tag}@example.com`, `gina-${tag}@example.com`]);
      // A contact added after the confirmation was never told of the pour, so is not told of its end either.
      await inTransaction({ ...systemCtx(t.db.app, NOW, w.account.tenantId) }, (tx) =>
        tx.db.insertInto("crew_project_contacts").values({ tenant_id: w.account.tenantId, id: Bun.randomUUIDv7(), project_id: w.projectId, name: "Late Larry", email: `larry-${tag}@example.com`, created_at: new Date(NOW.getTime() + 60_000) }).execute(),
      );
      const res = await w.account.client.post(`${w.base}/${confirmed}/cancellation`, { reason: "Storm front: 70 % rain from 05:00", weather: "1" });
      expect(res.status).toBe(303);
      expect((await pourRow(confirmed))!.status).toBe("weather_cancelled");
      // A repeated request (a double click) is refused and sends nothing more.
      expect((await w.account.client.post(`${w.base}/${confirmed}/cancellation`, { reason: "again", weather: "1" })).status).toBe(409);
      await runDueJobs(t, deps);
      await runDueJobs(t, deps);
      const cancelled = mine("Pour cancelled");
      expect(cancelled.map(addressOf).sort()).toEqual(told);
      const ana = cancelled.find((m) => addressOf(m).startsWith("ana-"))!;
      expect(ana.subject).toBe(`Pour cancelled for the weather: Level 4 deck, ${shortDay(TOMORROW)} 07:00`);
      expect(ana.text).toContain("The pour you were on the finishing crew of will not go ahead.");
      expect(ana.text).toContain("Reason (weather): Storm front: 70 % rain from 05:00");
      expect(ana.text).toContain("Placing crew: Ben Laborer, Cal Nomail");
      const gina = cancelled.find((m) => addressOf(m).startsWith("gina-"))!;
      expect(gina.text).toContain("A confirmed pour on P-100 · Harbor Tower will not go ahead.");
      const keys = (await t.su<{ idempotency_key: string }[]>`select idempotency_key from emails where idempotency_key like ${`pour-weather_cancelled:${confirmed}:%`}`).map((e) => e.idempotency_key).sort();
      expect(keys).toEqual([`pour-weather_cancelled:${confirmed}:1:contact:${w.contactId}`, `pour-weather_cancelled:${confirmed}:1:employee:${w.ana}`, `pour-weather_cancelled:${confirmed}:1:employee:${w.ben}`].sort());
      const audit = (await actions(w.account.tenantId)).filter((a) => a.action === "pour.cancelled");
      expect(audit.at(-1)!.changes).toMatchObject({ status: { from: "confirmed", to: "weather_cancelled" }, emailed: 3 });

      // A tentative pour was announced to no one: its cancellation is silent.
      const tentative = await postPour(w, { location: "Level 5 deck" });
      expect((await w.account.client.post(`${w.base}/${tentative}/cancellation`, { reason: "Client moved it" })).status).toBe(303);
      expect((await pourRow(tentative))!.status).toBe("cancelled");
      await runDueJobs(t, deps);
      expect(mine("Pour cancelled")).toHaveLength(3);
      expect((await t.su`select count(*)::int as n from emails where idempotency_key like ${`pour-%:${tentative}:%`}`)[0]!.n).toBe(0);
    } finally {
      mailer.close();
      await smtp.close();
    }
  }, 30_000);
});

describe("the lookahead and the day schedule", () => {
  test("the lookahead runs from today to 365 days ahead in the workspace's time zone, soonest first", async () => {
    const w = await pourWorld(t, app);
    const days = [day(-1), TODAY, day(364), day(365), day(366)];
    for (const day of days) await postPour(w, { day, location: `Pour ${day}` });
    const html = await (await w.account.client.get(w.base)).text();
    expect(html).not.toContain(`Pour ${day(-1)}`);
    expect(html).toContain(`Pour ${TODAY}`);
    expect(html).toContain(`Pour ${day(364)}`);
    expect(html).toContain(`Pour ${day(365)}`);
    expect(html).not.toContain(`Pour ${day(366)}`);
    expect(html.indexOf(`Pour ${TODAY}`)).toBeLessThan(html.indexOf(`Pour ${day(364)}`));
  });

  test("the lookahead pages by keyset and filters by project and status; bad filters are 422", async () => {
    const w = await pourWorld(t, app);
    const ids: string[] = [];
    for (const [i, time] of ["08:00", "07:00", "07:00", "09:00"].entries()) ids.push(await postPour(w, { start_time: time, location: `P${i}`, project_id: i === 3 ? w.otherProjectId : w.projectId }));
    await w.account.client.post(`${w.base}/${ids[0]}/confirmation`, {});
    const ctx = { ...systemCtx(t.db.app, NOW, w.account.tenantId), actor: { type: "user" as const, id: w.account.user.id, role: "owner" as const } };
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await listLookahead(ctx, after ? { after } : {}, 2);
      seen.push(...page.rows.map((r) => r.location));
      after = page.next ?? undefined;
    } while (after);
    // Same start: by id (UUIDv7, so creation order).
    expect(seen).toEqual(["P1", "P2", "P0", "P3"]);
    expect((await listLookahead(ctx, { project: w.otherProjectId })).rows.map((r) => r.location)).toEqual(["P3"]);
    expect((await listLookahead(ctx, { status: "confirmed" })).rows.map((r) => r.location)).toEqual(["P0"]);
    expect((await w.account.client.get(`${w.base}?status=bogus`)).status).toBe(422);
    expect((await w.account.client.get(`${w.base}?after=garbage`)).status).toBe(422);
  });

  test("the day schedule lists that day's pours with their crews, and only this workspace's", async () => {
    const w = await pourWorld(t, app);
    const other = await pourWorld(t, app);
    await postPour(w, { location: "Slab on grade" });
    await postPour(other, { location: "Other workspace slab" });
    const html = await (await w.account.client.get(`${w.base}/days/${TOMORROW}`)).text();
    expect(html).toContain("Slab on grade");
    expect(html).toContain("Placing: Ben Laborer, Cal Nomail");
    expect(html).not.toContain("Other workspace slab");
    expect((await w.account.client.get(`${w.base}/days/2031-13-01`)).status).toBe(404);
  });
});

describe("the pour schedule in Excel", () => {
  test("P13 GET pours.xlsx gives the pours of the range as a workbook, audited; a bad range is 422", async () => {
    const w = await pourWorld(t, app);
    await postPour(w, { location: "In range" });
    await postPour(w, { day: day(30), location: "Out of range" });
    const res = await w.account.client.get(`${w.base}.xlsx?from=${TODAY}&to=${day(29)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet("Pours")!;
    expect(sheet.rowCount).toBe(2);
    const row = sheet.getRow(2).values as unknown[];
    expect(row.slice(1, 8)).toEqual([TOMORROW, "07:00", "P-100", "Harbor Tower", "In range", 120, "yd³"]);
    expect(row[15]).toBe("Ben Laborer, Cal Nomail");
    const audit = await t.su<{ changes: unknown }[]>`select changes from audit_events where tenant_id = ${w.account.tenantId} and action = 'pours.exported'`;
    expect(audit.map((a) => a.changes)).toEqual([{ format: "xlsx", from: TODAY, to: day(29), rows: 1 }]);
    expect((await w.account.client.get(`${w.base}.xlsx?from=${day(29)}&to=${TODAY}`)).status).toBe(422);
    expect((await w.account.client.get(`${w.base}.xlsx?from=${TODAY}&to=${day(500)}`)).status).toBe(422);
  });
});
