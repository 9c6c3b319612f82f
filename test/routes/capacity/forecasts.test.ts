import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf } from "../../support/factories.ts";
import { seedHistory, seedProgram } from "./plans-fixture.ts";

const t = useTestDatabase();
const NOW = new Date("2025-03-01T10:00:00Z");
const START = "2025-03-03"; // a Monday

async function setup() {
  const app = testApp({ db: t.db, now: () => NOW });
  const owner = await createAccount(t, app);
  const programId = await seedProgram(t, owner.tenantId);
  await seedHistory(t, owner.tenantId, programId, { until: START, weeks: 10 });
  const base = `/t/${owner.slug}/capacity`;
  return { app, owner, programId, base };
}

const form = (over: Record<string, string> = {}) => ({ method: "profile", history_weeks: "8", start_day: START, horizon_weeks: "4", name: "", ...over });

describe("forecasts", () => {
  test("a forecast is computed, stored interval by interval, audited (P10) and shown with its backtest", async () => {
    const { owner, programId, base } = await setup();
    const res = await owner.client.post(`${base}/programs/${programId}/forecasts`, form());
    expect(res.status).toBe(303);
    const id = res.headers.get("location")!.split("/").pop()!;
    expect(res.headers.get("location")).toBe(`${base}/forecasts/${id}`);
    // 4 weeks × 7 days × 10 hourly intervals, each as the flat history: 40 on weekdays, 10 at weekends.
    const [stored] = await t.su`select count(*)::int as n, min(day)::text as first, max(day)::text as last,
      sum(base_contacts) as total from capacity_forecast_intervals where forecast_id = ${id}`;
    expect(stored!.n).toBe(280);
    expect([stored!.first, stored!.last]).toEqual([START, "2025-03-30"]);
    expect(stored!.total).toBeCloseTo(4 * (5 * 10 * 40 + 2 * 10 * 10), 6);
    const [f] = await t.su`select backtest from capacity_forecasts where id = ${id}`;
    expect(Object.keys(f!.backtest).sort()).toEqual(["holt-winters", "profile"]);
    expect(f!.backtest.profile).toBeCloseTo(0, 6);
    const page = await owner.client.get(`${base}/forecasts/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("WAPE");
    expect(html).toContain("2,200"); // a week's contacts: 5 × 400 + 2 × 100
    expect(html).toContain("<svg");
    const [a] = await t.su`select action, changes from audit_events where target_id = ${id}`;
    expect(a!.action).toBe("forecast.created");
    expect(a!.changes.intervals).toBe(280);
    const list = await (await owner.client.get(`${base}/programs/${programId}/forecasts`)).text();
    expect(list).toContain(`${base}/forecasts/${id}`);
  });

  test("bad input re-renders the form with field messages (422) and saves nothing", async () => {
    const { owner, programId, base } = await setup();
    const res = await owner.client.post(`${base}/programs/${programId}/forecasts`, form({ start_day: "2025-03-04", horizon_weeks: "60", method: "magic" }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Start on a Monday");
    expect(html).toContain("Enter 1 to 52.");
    expect(html).toContain("Choose a method.");
    const noHistory = await owner.client.post(`${base}/programs/${programId}/forecasts`, form({ start_day: "2024-01-01" }));
    expect(noHistory.status).toBe(422);
    expect(await noHistory.text()).toContain("no contacts in the 8 weeks");
    const [n] = await t.su`select count(*)::int as n from capacity_forecasts where program_id = ${programId}`;
    expect(n!.n).toBe(0);
  });

  test("roles: viewers and privacy officers see forecasts but cannot create, adjust or delete them (403)", async () => {
    const { app, owner, programId, base } = await setup();
    const id = (await owner.client.post(`${base}/programs/${programId}/forecasts`, form())).headers.get("location")!.split("/").pop()!;
    for (const role of ["viewer", "privacy"] as const) {
      const m = await memberOf(t, app, owner, role);
      expect((await m.client.get(`${base}/forecasts/${id}`)).status).toBe(200);
      expect((await m.client.post(`${base}/programs/${programId}/forecasts`, form())).status).toBe(403);
      expect((await m.client.post(`${base}/forecasts/${id}/adjustments`, { from_day: START, to_day: START, change: "10", note: "x" })).status).toBe(403);
      expect((await m.client.post(`${base}/forecasts/${id}/deletion`)).status).toBe(403);
    }
    const [n] = await t.su`select count(*)::int as n from capacity_forecasts where program_id = ${programId}`;
    expect(n!.n).toBe(1);
  });

  test("adjustments are applied on top of the base forecast, kept, listed with their note (escaped), and deletable", async () => {
    const { owner, programId, base } = await setup();
    const id = (await owner.client.post(`${base}/programs/${programId}/forecasts`, form())).headers.get("location")!.split("/").pop()!;
    const url = `${base}/forecasts/${id}`;
    const bad = await owner.client.post(`${url}/adjustments`, { from_day: START, to_day: START, change: "abc", note: "" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Enter a percent, e.g. 20 or -15.");
    const backwards = await owner.client.post(`${url}/adjustments`, { from_day: START, to_day: "2025-03-02", change: "5", note: "x" });
    expect(backwards.status).toBe(422);
    expect(await backwards.text()).toContain("The last day cannot be before the first.");
    // +20 % on two days, and −50 % on 09:00–11:00 of the first of them: those intervals are ×1.2 × 0.5.
    let res = await owner.client.post(`${url}/adjustments`, { from_day: START, to_day: "2025-03-04", change: "+20", note: "<b>campaign</b>" });
    expect(res.status).toBe(303);
    res = await owner.client.post(`${url}/adjustments`, { from_day: START, to_day: START, from_time: "09:00", to_time: "11:00", change: "-50", note: "outage" });
    expect(res.status).toBe(303);
    const rows = await t.su`select day::text as day, minute, base_contacts, contacts from capacity_forecast_intervals
      where forecast_id = ${id} and day in ('2025-03-03', '2025-03-04', '2025-03-05') and minute in (480, 540, 600, 660) order by day, minute`;
    const at = (day: string, minute: number) => rows.find((r) => r.day === day && r.minute === minute)!;
    expect(at(START, 480).contacts).toBeCloseTo(48, 9);
    expect(at(START, 540).contacts).toBeCloseTo(24, 9);
    expect(at(START, 600).contacts).toBeCloseTo(24, 9);
    expect(at(START, 660).contacts).toBeCloseTo(48, 9);
    expect(at("2025-03-04", 540).contacts).toBeCloseTo(48, 9);
    expect(at("2025-03-05", 540).contacts).toBeCloseTo(40, 9);
    expect(at(START, 540).base_contacts).toBe(40);
    const html = await (await owner.client.get(url)).text();
    expect(html).toContain("&lt;b&gt;campaign&lt;/b&gt;");
    expect(html).not.toContain("<b>campaign</b>");
    expect(html).toContain("+20.0 %");
    expect(html).toContain("09:00–11:00");
    const [adj] = await t.su`select id from capacity_forecast_adjustments where forecast_id = ${id} and note = 'outage'`;
    expect((await owner.client.post(`${url}/adjustments/${adj!.id}/deletion`)).status).toBe(303);
    const [after] = await t.su`select contacts from capacity_forecast_intervals where forecast_id = ${id} and day = ${START} and minute = 540`;
    expect(after!.contacts).toBeCloseTo(48, 9);
    const actions = (await t.su`select action from audit_events where target_id = ${id} order by created_at, id`).map((r) => r.action);
    expect(actions).toEqual(["forecast.created", "forecast_adjustment.created", "forecast_adjustment.created", "forecast_adjustment.deleted"]);
  });

  test("P09 another workspace's forecast is 404 and its rows stay", async () => {
    const { app, owner, programId, base } = await setup();
    const id = (await owner.client.post(`${base}/programs/${programId}/forecasts`, form())).headers.get("location")!.split("/").pop()!;
    const other = await createAccount(t, app);
    const otherBase = `/t/${other.slug}/capacity`;
    expect((await other.client.get(`${otherBase}/forecasts/${id}`)).status).toBe(404);
    expect((await other.client.post(`${otherBase}/forecasts/${id}/deletion`)).status).toBe(404);
    expect((await other.client.post(`${otherBase}/programs/${programId}/forecasts`, form())).status).toBe(404);
    const [n] = await t.su`select count(*)::int as n from capacity_forecasts where id = ${id}`;
    expect(n!.n).toBe(1);
  });
});
