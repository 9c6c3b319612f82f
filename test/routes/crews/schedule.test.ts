import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { assign, cells, seedCrew, type CrewFixture } from "./schedule-fixture.ts";

const t = useTestDatabase();
// Wednesday 5 March 2025, week 2025-W10 (Monday 3 to Sunday 9 March).
let clock = new Date("2025-03-05T12:00:00Z");
let app: ReturnType<typeof testApp>;
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;
let crew: CrewFixture;

const base = (a: Account = owner) => `/t/${a.slug}/crews/schedule`;
const location = (res: Response) => res.headers.get("location") ?? "";
const auditRows = (tenantId: string, action: string) =>
  t.su<{ actor_id: string | null; target_id: string; changes: Record<string, any> | null }[]>`select actor_id, target_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;
const W10 = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09"];

beforeAll(async () => {
  app = testApp({ db: t.db, now: () => clock });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
  crew = await seedCrew(t, owner.tenantId, { workers: 2 });
});

describe("the weekly schedule grid", () => {
  test("rows are people under their foreman, foreman first and people without one last; columns are the week's days", async () => {
    await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-04", { projectId: crew.projects[0], hours: 8 });
    await assign(t, owner.tenantId, crew.loose, "2025-03-05", { kind: "pto" });
    const res = await viewer.client.get(`${base()}?week=2025-W10`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const order = ["Crew of Fiona Foreman", `id="r-${crew.foreman}"`, `id="r-${crew.workers[0]}"`, `id="r-${crew.workers[1]}"`, `scope="rowgroup">No foreman`, `id="r-${crew.loose}"`].map((s) => html.indexOf(s));
    expect(order.every((n) => n > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const d of W10) expect(html).toContain(`data-d="${d}"`);
    expect(html).toContain("Mon 3 Mar");
    // Each colour is drawn once, as a symbol, and every swatch of that colour refers to it.
    expect(html).toContain('<symbol id="sw-1f77b4" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1f77b4"></rect></symbol>');
    expect(html.split('fill="#1f77b4"').length).toBe(2);
    expect(html).toMatch(/<span class="a" data-p="[^"]+"><svg class="sw" aria-hidden="true"><use href="#sw-1f77b4"><\/use><\/svg>Riverside Tower<small> 8h<\/small>/);
    expect(html).toContain('data-k="pto">PTO</span>');
    // A viewer sees no forms that change anything.
    expect(html).not.toContain('id="quick"');
    expect(html).not.toContain("/schedule/copy");
  });

  test("a person on two projects the same day is flagged", async () => {
    await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-06", { projectId: crew.projects[0] });
    await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-06", { projectId: crew.projects[1] });
    const html = await (await owner.client.get(`${base()}?week=2025-W10`)).text();
    const row = html.slice(html.indexOf(`id="r-${crew.workers[1]}"`), html.indexOf(`id="r-${crew.loose}"`));
    expect(row).toContain('<td class="double">');
    expect(row).toContain('<strong class="flag">Double-booked</strong>');
    expect((row.match(/Double-booked/g) ?? []).length).toBe(1);
    await t.su`delete from crew_assignments where tenant_id = ${owner.tenantId}`;
  });

  test("without ?week it opens the week this user last visited, else the current week; prev and next link round", async () => {
    const fresh = await memberOf(t, app, owner, "member");
    expect(await (await fresh.client.get(base())).text()).toContain("week 2025-W10");
    const w12 = await (await fresh.client.get(`${base()}?week=2025-W12`)).text();
    expect(w12).toContain(`href="${base()}?week=2025-W11"`);
    expect(w12).toContain(`href="${base()}?week=2025-W13"`);
    expect(await (await fresh.client.get(base())).text()).toContain("week 2025-W12");
    // Each user remembers their own week.
    expect(await (await viewer.client.get(base())).text()).toContain("week 2025-W10");
    const [pref] = await t.su`select last_week from crew_schedule_prefs where user_id = ${fresh.user.id}`;
    expect(pref!.last_week).toBe("2025-W12");
  });

  test("a bad ?week answers 422 with a message, never a 500, and is not remembered", async () => {
    for (const bad of ["2025-W54", "2025-13", "<b>x</b>", "2025-W00"]) {
      const res = await member.client.get(`${base()}?week=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain("Choose a week as YYYY-Www");
      expect(html).not.toContain("<b>x</b>");
    }
    expect((await member.client.get(`${base()}/cell?e=${crew.foreman}&week=nope`)).status).toBe(422);
    expect((await member.client.get(`/t/${owner.slug}/crews/schedule.xlsx?week=2025-W99`)).status).toBe(422);
  });

  test("a day that cannot exist (2025-13-01) in the cell's ?d or a refused assignment opens the current week, never a 500", async () => {
    expect((await member.client.get(`${base()}/cell?e=${crew.foreman}&d=2025-13-01`)).status).toBe(200);
    const res = await owner.client.post(`${base()}/assignments`, { employee_id: crew.foreman, day: "2025-13-01", kind: "project" });
    expect(res.status).toBe(422);
  });

  test("markup in names is escaped", async () => {
    const id = Bun.randomUUIDv7();
    await t.su`insert into crew_employees (tenant_id, id, name, trade, created_at, updated_at) values (${owner.tenantId}, ${id}, '<img src=x onerror=alert(1)>', 'Laborer', now(), now())`;
    const html = await (await owner.client.get(`${base()}?week=2025-W10`)).text();
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    await t.su`delete from crew_employees where id = ${id}`;
  });
});

describe("changing the schedule without JavaScript", () => {
  test("P10 assigning a day redirects (303) to the grid at that person, and is audited with before and after", async () => {
    const res = await member.client.post(`${base()}/assignments`, {
      employee_id: crew.workers[0]!, day: "2025-03-04", kind: "project", project_id: crew.projects[0]!, hours: "7.5", start_time: "07:00", week: "2025-W10", page: "1", foreman: "",
    });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}?week=2025-W10&page=1&done=assigned&at=2025-03-04#r-${crew.workers[0]}`);
    expect(await cells(t, owner.tenantId, "2025-03-04", "2025-03-04")).toEqual([
      { employee_id: crew.workers[0]!, day: "2025-03-04", kind: "project", project_id: crew.projects[0]!, hours: "7.5", start_time: "07:00:00" },
    ]);
    // Replacing the day with a status takes the project off it.
    expect((await member.client.post(`${base()}/assignments`, { employee_id: crew.workers[0]!, day: "2025-03-04", kind: "sick" })).status).toBe(303);
    expect((await cells(t, owner.tenantId, "2025-03-04", "2025-03-04")).map((c) => c.kind)).toEqual(["sick"]);
    const events = await auditRows(owner.tenantId, "schedule.assigned");
    expect(events.at(-2)!).toMatchObject({ actor_id: member.user.id, target_id: crew.workers[0]!, changes: { day: "2025-03-04", cell: { from: [], to: ["Riverside Tower 7.5h"] } } });
    expect(events.at(-1)!.changes!.cell).toEqual({ from: ["Riverside Tower 7.5h"], to: ["Sick"] });
    // "Keep other projects" adds a second project: a double booking, on purpose.
    await member.client.post(`${base()}/assignments`, { employee_id: crew.workers[1]!, day: "2025-03-05", kind: "project", project_id: crew.projects[0]! });
    await member.client.post(`${base()}/assignments`, { employee_id: crew.workers[1]!, day: "2025-03-05", kind: "project", project_id: crew.projects[1]!, mode: "add" });
    expect((await cells(t, owner.tenantId, "2025-03-05", "2025-03-05")).length).toBe(2);
  });

  test("P10 'whole week' fills Monday to Friday and replaces what was there", async () => {
    const res = await member.client.post(`${base()}/assignments`, { employee_id: crew.foreman, day: "workweek", week: "2025-W10", kind: "project", project_id: crew.projects[1]!, hours: "8" });
    expect(res.status).toBe(303);
    expect(location(res)).toContain("done=week");
    const rows = (await cells(t, owner.tenantId, W10[0]!, W10[6]!)).filter((c) => c.employee_id === crew.foreman);
    expect(rows.map((r) => r.day)).toEqual(W10.slice(0, 5));
    expect(rows.every((r) => r.project_id === crew.projects[1] && r.hours === "8")).toBe(true);
    const [event] = (await auditRows(owner.tenantId, "schedule.week_assigned")).slice(-1);
    expect(event!.changes).toMatchObject({ week: "2025-W10", days: W10.slice(0, 5), to: "Harbor Bridge" });
  });

  test("bad input answers 422 with the field's message and saves nothing", async () => {
    const before = await cells(t, owner.tenantId, "2025-01-01", "2025-12-31");
    const cases: [Record<string, string>, string][] = [
      [{ kind: "project", project_id: Bun.randomUUIDv7() }, "Choose a project from the list."],
      [{ kind: "project", project_id: "" }, "Choose a project."],
      [{ kind: "pto", project_id: crew.projects[0]! }, "PTO is a status, not a project"],
      [{ kind: "project", project_id: crew.projects[0]!, hours: "25" }, "Hours are a number above 0 and at most 24"],
      [{ kind: "project", project_id: crew.projects[0]!, hours: "0" }, "Hours are a number above 0 and at most 24"],
      [{ kind: "project", project_id: crew.projects[0]!, hours: "eight" }, "Hours are a number above 0 and at most 24"],
      [{ kind: "project", project_id: crew.projects[0]!, start_time: "25:00" }, "Enter a start time as HH:MM"],
      [{ kind: "holiday" }, "Choose a project or a status."],
      [{ kind: "off", day: "2025-02-30" }, "Choose a day."],
    ];
    for (const [over, message] of cases) {
      const res = await member.client.post(`${base()}/assignments`, { employee_id: crew.workers[0]!, day: "2025-03-06", week: "2025-W10", ...over });
      expect({ over, status: res.status }).toEqual({ over, status: 422 });
      expect(await res.text()).toContain(message);
    }
    const bad = await member.client.post(`${base()}/assignments`, { employee_id: "not-an-id", day: "2025-03-06", kind: "off", week: "2025-W10" });
    expect(bad.status).toBe(422);
    expect((await member.client.post(`${base()}/assignments`, { employee_id: crew.foreman, day: "workweek", week: "2025-W60", kind: "off" })).status).toBe(422);
    expect(await cells(t, owner.tenantId, "2025-01-01", "2025-12-31")).toEqual(before);
  });

  test("P10 copy last week: one person or everyone; a filled cell is a reported conflict and nothing is copied", async () => {
    await t.su`delete from crew_assignments where tenant_id = ${owner.tenantId}`;
    await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-03", { projectId: crew.projects[0], hours: 8, start: "06:30" });
    await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-04", { kind: "training" });
    await assign(t, owner.tenantId, crew.foreman, "2025-03-05", { projectId: crew.projects[1] });
    // Week 11 already holds something else for worker 1 on Tuesday: a conflict.
    await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-11", { kind: "off" });
    const conflict = await member.client.post(`${base()}/copy`, { week: "2025-W11" });
    expect(conflict.status).toBe(409);
    const html = await conflict.text();
    expect(html).toContain("Nothing was copied");
    expect(html).toContain("Worker B, 2025-03-11");
    expect((await cells(t, owner.tenantId, "2025-03-10", "2025-03-16")).length).toBe(1);

    // One person: only theirs.
    const one = await member.client.post(`${base()}/copy`, { week: "2025-W11", employee_id: crew.workers[0]! });
    expect(one.status).toBe(303);
    expect(location(one)).toContain("done=copied&n=1");
    expect(await cells(t, owner.tenantId, "2025-03-10", "2025-03-10")).toEqual([
      { employee_id: crew.workers[0]!, day: "2025-03-10", kind: "project", project_id: crew.projects[0]!, hours: "8", start_time: "06:30:00" },
    ]);

    // Everyone, once the conflict is cleared: worker 0's identical copy is no conflict and is not doubled.
    await t.su`delete from crew_assignments where employee_id = ${crew.workers[1]!} and day = '2025-03-11'`;
    const all = await member.client.post(`${base()}/copy`, { week: "2025-W11" });
    expect(all.status).toBe(303);
    expect(location(all)).toContain("done=copied&n=2");
    expect((await cells(t, owner.tenantId, "2025-03-10", "2025-03-16")).map((c) => `${c.day} ${c.kind}`)).toEqual(["2025-03-10 project", "2025-03-11 training", "2025-03-12 project"]);
    const events = await auditRows(owner.tenantId, "schedule.copied");
    expect(events.map((e) => e.changes)).toEqual([
      { week: "2025-W11", from_week: "2025-W10", copied: 1 },
      { week: "2025-W11", from_week: "2025-W10", copied: 2 },
    ]);
  });

  test("P10 clear a day, a person's week, or the whole week (which needs the confirmation box)", async () => {
    const day = await member.client.post(`${base()}/clearing`, { scope: "cell", week: "2025-W11", employee_id: crew.workers[0]!, day: "2025-03-10" });
    expect(day.status).toBe(303);
    expect(location(day)).toContain("done=cleared&n=1");
    const person = await member.client.post(`${base()}/clearing`, { scope: "employee", week: "2025-W11", employee_id: crew.workers[1]! });
    expect(location(person)).toContain("n=1");
    const unconfirmed = await member.client.post(`${base()}/clearing`, { scope: "week", week: "2025-W11" });
    expect(unconfirmed.status).toBe(422);
    expect(await unconfirmed.text()).toContain("Tick the box to confirm clearing all of week 2025-W11");
    expect((await cells(t, owner.tenantId, "2025-03-10", "2025-03-16")).length).toBe(1);
    const week = await member.client.post(`${base()}/clearing`, { scope: "week", week: "2025-W11", confirm: "yes" });
    expect(week.status).toBe(303);
    expect(await cells(t, owner.tenantId, "2025-03-10", "2025-03-16")).toHaveLength(0);
    const events = await auditRows(owner.tenantId, "schedule.cleared");
    expect(events.map((e) => [e.changes!.scope, e.changes!.deleted])).toEqual([["cell", 1], ["employee", 1], ["week", 1]]);
    expect(events.at(-1)!.target_id).toBe("2025-W11");
  });

  test("removing one assignment of a double-booked day leaves the other", async () => {
    const a = await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-12", { projectId: crew.projects[0] });
    await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-12", { projectId: crew.projects[1] });
    const page = await (await member.client.get(`${base()}/cell?e=${crew.workers[0]}&d=2025-03-12`)).text();
    expect(page).toContain(`${base()}/assignments/${a}/deletion`);
    expect(page).toContain("Double-booked");
    const res = await member.client.post(`${base()}/assignments/${a}/deletion`, { week: "2025-W11" });
    expect(res.status).toBe(303);
    expect((await cells(t, owner.tenantId, "2025-03-12", "2025-03-12")).map((c) => c.project_id)).toEqual([crew.projects[1]!]);
    expect((await member.client.post(`${base()}/assignments/${a}/deletion`, {})).status).toBe(404);
  });

  test("roles: viewers and privacy officers read the schedule but every change is 403", async () => {
    for (const who of [viewer, privacy]) {
      expect((await who.client.get(`${base()}?week=2025-W10`)).status).toBe(200);
      expect((await who.client.get(`${base()}/projects?week=2025-W10`)).status).toBe(200);
      expect((await who.client.post(`${base()}/assignments`, { employee_id: crew.foreman, day: "2025-03-04", kind: "off" })).status).toBe(403);
      expect((await who.client.post(`${base()}/copy`, { week: "2025-W12" })).status).toBe(403);
      expect((await who.client.post(`${base()}/clearing`, { scope: "week", week: "2025-W12", confirm: "yes" })).status).toBe(403);
      expect((await who.client.post(`${base()}/distribution`, { week: "2025-W12" })).status).toBe(403);
    }
  });

  test("another workspace's employee is not found and its project is not on the list", async () => {
    const other = await createAccount(t, app);
    const theirs = await seedCrew(t, other.tenantId, { marker: "THEIRS" });
    const res = await member.client.post(`${base()}/assignments`, { employee_id: theirs.workers[0]!, day: "2025-03-04", kind: "off" });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("THEIRS");
    const project = await member.client.post(`${base()}/assignments`, { employee_id: crew.workers[0]!, day: "2025-03-04", kind: "project", project_id: theirs.projects[0]! });
    expect(project.status).toBe(422);
    expect((await member.client.get(`${base()}/cell?e=${theirs.workers[0]}`)).status).toBe(404);
    expect((await member.client.post(`${base()}/copy`, { week: "2025-W12", employee_id: theirs.workers[0]! })).status).toBe(404);
    expect((await t.su`select count(*)::int as n from crew_assignments where tenant_id = ${other.tenantId}`)[0]!.n).toBe(0);
  });
});

describe("the schedule by project", () => {
  test("each project's crew per day: names and counts", async () => {
    await t.su`delete from crew_assignments where tenant_id = ${owner.tenantId}`;
    await assign(t, owner.tenantId, crew.workers[0]!, "2025-03-03", { projectId: crew.projects[0] });
    await assign(t, owner.tenantId, crew.workers[1]!, "2025-03-03", { projectId: crew.projects[0] });
    await assign(t, owner.tenantId, crew.foreman, "2025-03-04", { projectId: crew.projects[1] });
    await assign(t, owner.tenantId, crew.loose, "2025-03-04", { kind: "pto" });
    const res = await viewer.client.get(`${base()}/projects?week=2025-W10`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const river = html.slice(html.indexOf("Riverside Tower"), html.indexOf("</tr>", html.indexOf("Riverside Tower")));
    expect(river).toContain('<strong class="count">2</strong> <small>Worker A, Worker B</small>');
    expect(html).toContain('<strong class="count">1</strong> <small>Fiona Foreman</small>');
    expect(html).not.toContain("Lou Loose");
    expect(html.indexOf("Harbor Bridge")).toBeLessThan(html.indexOf("Riverside Tower"));
    // The crews navigation's "By project" lands here.
    const nav = await viewer.client.get(`/t/${owner.slug}/crews/by-project?week=2025-W10`);
    expect(nav.status).toBe(302);
    expect(location(nav)).toBe(`/t/${owner.slug}/crews/schedule/projects?week=2025-W10`);
  });
});
