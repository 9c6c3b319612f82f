import { describe, expect, test } from "bun:test";
import ExcelJS from "exceljs";
import { parse } from "csv-parse/sync";
import { requiredAgents } from "../../../src/domain/capacity/erlang.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { seedAgent, seedHistory, seedProgram } from "./plans-fixture.ts";

const t = useTestDatabase();
const NOW = new Date("2025-03-01T10:00:00Z");
const START = "2025-03-03"; // a Monday

/** A program with a flat history (40 contacts an hour on weekdays, 10 at weekends, AHT 300 s), a 4-week forecast and a plan. */
async function setup(plan: Record<string, string> = {}) {
  const app = testApp({ db: t.db, now: () => NOW });
  const owner = await createAccount(t, app);
  const programId = await seedProgram(t, owner.tenantId, { shrinkagePercent: 30 });
  await seedHistory(t, owner.tenantId, programId, { until: START, weeks: 8 });
  const base = `/t/${owner.slug}/capacity`;
  const f = await owner.client.post(`${base}/programs/${programId}/forecasts`, { method: "profile", history_weeks: "8", start_day: START, horizon_weeks: "4" });
  const forecastId = f.headers.get("location")!.split("/").pop()!;
  const p = await owner.client.post(`${base}/forecasts/${forecastId}/plans`, { name: "Base plan", weekly_hours: "37.5", hourly_cost: "20", monthly_attrition: "", ...plan });
  expect(p.status).toBe(303);
  const planId = p.headers.get("location")!.split("/").pop()!;
  return { app, owner, programId, base, forecastId, planId, url: `${base}/plans/${planId}` };
}

const goal = { serviceLevel: 0.8, maxOccupancy: 0.9, shrinkage: 0.3 };
const queue = (contacts: number) => ({ contacts, intervalSeconds: 3600, ahtSeconds: 300, targetAnswerSeconds: 20 });

/** Required FTE of one forecast week, by hand from the engine: (5 weekdays × 10 h × N(40) + 2 × 10 × N(10)) ÷ 0.7 ÷ 37.5. */
const weekFte = (scale = 1, weeklyHours = 37.5, shrinkage = 0.3) =>
  (5 * 10 * requiredAgents(queue(40 * scale), goal).agents + 2 * 10 * requiredAgents(queue(10 * scale), goal).agents) / (1 - shrinkage) / weeklyHours;

async function download(a: Account, path: string) {
  const res = await a.client.get(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="base-plan\.(csv|xlsx)"/);
  return res;
}

describe("plans", () => {
  test("a plan stores its days, and a day's staffing matches requiredAgents for a known interval", async () => {
    const { owner, url, planId } = await setup();
    const [days] = await t.su`select count(*)::int as n, sum(agent_hours) as hours from capacity_plan_days where plan_id = ${planId}`;
    expect(days!.n).toBe(28);
    const n40 = requiredAgents(queue(40), goal);
    expect(days!.hours).toBe(4 * (50 * n40.agents + 20 * requiredAgents(queue(10), goal).agents));
    const res = await owner.client.get(`${url}/days/${START}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    // The 09:00 row: 40 contacts, AHT 300, traffic 3.33 Erl, the engine's agents and FTE.
    const row = /<tr><td>09:00<\/td>(.*?)<\/tr>/.exec(html)![1]!;
    const cells = [...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 5)).toEqual(["40.0", "300", "3.33", String(n40.agents), String(n40.fte)]);
    expect(cells[5]).toBe(`${(n40.serviceLevel * 100).toFixed(1)} %`);
    expect((await owner.client.get(`${url}/days/2025-01-01`)).status).toBe(404);
    expect((await owner.client.get(`${url}/days/not-a-day`)).status).toBe(404);
    expect((await owner.client.get(`${url}/days?day=${START}`)).headers.get("location")).toBe(`${url}/days/${START}`);
  });

  test("the weekly plan shows required FTE as computed by hand, available FTE from agents, and leave lowers it", async () => {
    const { owner, url, programId } = await setup();
    await seedAgent(t, owner.tenantId, programId, { employeeId: "E-1", fte: 1 });
    await seedAgent(t, owner.tenantId, programId, { employeeId: "E-2", fte: 0.5 });
    let html = await (await owner.client.get(url)).text();
    const week = (h: string, w: string) => [...new RegExp(`${w}</a></td>(.*?)</tr>`).exec(h)![1]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(week(html, START)[1]).toBe(weekFte().toFixed(1));
    expect(week(html, START)[2]).toBe("1.5");
    expect(html).toContain("<svg");
    expect(html).toContain("Gap = available − required: negative is a shortfall.");
    // E-1 away Monday to Wednesday of week 1: 1.5 − 3/7 = 1.07.
    const bad = await owner.client.post(`/t/${owner.slug}/capacity/leave`, { employee_id: "nobody", from_day: START, to_day: "2025-03-05" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("No agent in this workspace has this employee ID.");
    const res = await owner.client.post(`/t/${owner.slug}/capacity/leave`, { employee_id: "e-1", from_day: START, to_day: "2025-03-05" });
    expect(res.status).toBe(303);
    html = await (await owner.client.get(url)).text();
    expect(week(html, START)[2]).toBe("1.1");
    expect(week(html, "2025-03-10")[2]).toBe("1.5");
    const [a] = await t.su`select action from audit_events where action = 'agent_leave.created' and tenant_id = ${owner.tenantId}`;
    expect(a!.action).toBe("agent_leave.created");
  });

  test("attrition and a hiring class change the projection as computed by hand", async () => {
    const { owner, url, programId } = await setup({ monthly_attrition: "10" });
    for (let i = 0; i < 10; i++) await seedAgent(t, owner.tenantId, programId, { employeeId: `A-${i}` });
    expect((await owner.client.post(`${url}/hiring-classes`, { start_day: "2025-03-10", size: "6", training_weeks: "0", ramp_weeks: "1" })).status).toBe(303);
    const bad = await owner.client.post(`${url}/hiring-classes`, { start_day: "2026-01-01", size: "0", training_weeks: "x", ramp_weeks: "1" });
    expect(bad.status).toBe(422);
    const html = await (await owner.client.get(url)).text();
    const r = Math.pow(0.9, 12 / 52);
    const expected = [10, 10 * r + 3, 10 * r * r + 6 * r, 10 * r ** 3 + 6 * r * r];
    const available = ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"].map((w) => new RegExp(`${w}</a></td>(?:<td class="num">[^<]*</td>){2}<td class="num">([^<]*)</td>`).exec(html)![1]);
    expect(available).toEqual(expected.map((v) => v.toFixed(1)));
  });

  test("a what-if scenario is compared week by week with its base: required FTE, gap and the cost of the gap", async () => {
    const { owner, url, programId } = await setup();
    for (let i = 0; i < 3; i++) await seedAgent(t, owner.tenantId, programId, { employeeId: `S-${i}` });
    const bad = await owner.client.post(`${url}/scenarios`, { aht_change: "10", aht_change_seconds: "30" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Change AHT by a percent or by seconds, not both.");
    const res = await owner.client.post(`${url}/scenarios`, { name: "Campaign", volume_change: "50", shrinkage: "20" });
    expect(res.status).toBe(303);
    const scenarioId = res.headers.get("location")!.split("/").pop()!.split("?")[0]!;
    const cmp = await owner.client.get(`/t/${owner.slug}/capacity/plans/${scenarioId}/comparison`);
    expect(cmp.status).toBe(200);
    const html = await cmp.text();
    const base = weekFte();
    const scenario = weekFte(1.5, 37.5, 0.2);
    const row = [...new RegExp(`<td>${START}</td>(.*?)</tr>`).exec(html)![1]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    const signed = (n: number) => `${n > 0 ? "+" : n < 0 ? "−" : ""}${Math.abs(n).toFixed(1)}`;
    const money = (n: number) => Math.round(n).toLocaleString("en-GB");
    expect(row).toEqual([base.toFixed(1), scenario.toFixed(1), signed(scenario - base), signed(3 - base), signed(3 - scenario), money((base - 3) * 37.5 * 20), money((scenario - 3) * 37.5 * 20)]);
    const [a] = await t.su`select changes from audit_events where action = 'scenario.created' and target_id = ${scenarioId}`;
    expect(a!.changes.volume_change).toBe(0.5);
    expect((await owner.client.get(`${url}/comparison`)).status).toBe(404);
  });

  test("P13 the plan downloads as CSV and as .xlsx (weeks, then staffing by day), each audited (P10)", async () => {
    const { owner, url, planId } = await setup();
    const csv = await download(owner, `${url}.csv`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const rows = parse(new TextDecoder().decode(await csv.arrayBuffer()), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(4);
    expect(rows[0]!["Week (Monday)"]).toBe(START);
    expect(Number(rows[0]!["Required FTE"])).toBeCloseTo(weekFte(), 2);
    expect(Number(rows[0]!["Available FTE"])).toBe(0);
    const xlsx = await download(owner, `${url}.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    expect(book.worksheets.map((s) => s.name)).toEqual(["Weeks", "Days"]);
    const weeks = book.getWorksheet("Weeks")!;
    expect(weeks.rowCount).toBe(5);
    expect(weeks.getRow(2).getCell(1).value).toBe(START);
    expect(weeks.getRow(2).getCell(4).value as number).toBeCloseTo(weekFte(), 2);
    const days = book.getWorksheet("Days")!;
    expect(days.rowCount).toBe(29);
    expect(days.getRow(2).values).toEqual([undefined, START, 400, 10 * requiredAgents(queue(40), goal).agents, requiredAgents(queue(40), goal).agents]);
    const audits = await t.su`select changes->>'format' as format from audit_events where action = 'plan.exported' and target_id = ${planId} order by created_at, id`;
    expect(audits.map((a) => a.format)).toEqual(["csv", "xlsx"]);
  });

  test("roles: viewers read plans and download them but cannot change them (403); P09 other workspaces get 404", async () => {
    const { app, owner, url, planId, base } = await setup();
    const viewer = await memberOf(t, app, owner, "viewer");
    expect((await viewer.client.get(url)).status).toBe(200);
    expect((await viewer.client.get(`${url}.csv`)).status).toBe(200);
    for (const [path, body] of [[url, { name: "x" }], [`${url}/hiring-classes`, { start_day: START, size: "1", training_weeks: "0", ramp_weeks: "0" }], [`${url}/scenarios`, {}], [`${url}/deletion`, {}]] as const) {
      expect((await viewer.client.post(path, body)).status).toBe(403);
    }
    expect((await viewer.client.post(`/t/${owner.slug}/capacity/leave`, { employee_id: "x", from_day: START, to_day: START })).status).toBe(403);
    const other = await createAccount(t, app);
    const otherUrl = `/t/${other.slug}/capacity/plans/${planId}`;
    for (const p of [otherUrl, `${otherUrl}.csv`, `${otherUrl}.xlsx`, `${otherUrl}/days/${START}`]) expect((await other.client.get(p)).status).toBe(404);
    const [p] = await t.su`select name from capacity_plans where id = ${planId}`;
    expect(p!.name).toBe("Base plan");
    void base;
  });

  test("bad plan settings re-render with field messages (422) and change nothing", async () => {
    const { owner, url, planId } = await setup();
    const res = await owner.client.post(url, { name: "", weekly_hours: "200", hourly_cost: "-1", service_level: "abc" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Give the plan a name.");
    expect(html).toContain("Enter 1 to 80.");
    const [p] = await t.su`select name, weekly_hours from capacity_plans where id = ${planId}`;
    expect(p).toEqual({ name: "Base plan", weekly_hours: 37.5 });
    expect((await owner.client.post(url, { name: "Renamed <i>", weekly_hours: "40", hourly_cost: "20" })).status).toBe(303);
    const page = await (await owner.client.get(url)).text();
    expect(page).toContain("Renamed &lt;i&gt;");
    const [a] = await t.su`select changes from audit_events where action = 'plan.updated' and target_id = ${planId}`;
    expect(a!.changes.weekly_hours).toEqual({ from: 37.5, to: 40 });
  });

  test("a date that cannot exist (month 13) is a field message (422), not an error page, and adds nothing", async () => {
    const { owner, url, planId } = await setup();
    const res = await owner.client.post(`${url}/hiring-classes`, { start_day: "2025-13-01", size: "6", training_weeks: "0", ramp_weeks: "1" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Enter a date as YYYY-MM-DD");
    expect((await t.su`select count(*)::int as n from capacity_plan_hiring_classes where plan_id = ${planId}`)[0]!.n).toBe(0);
  });
});
