import { expect, test } from "bun:test";
import { testApp } from "../test/support/app.ts";
import { useTestDatabase } from "../test/support/db.ts";
import { createAccount } from "../test/support/factories.ts";
import { seedAgent, seedProgram } from "../test/routes/capacity/plans-fixture.ts";

// Issue 5, item 10: each planning page p99 ≤ 100 ms for a program with a year of 15-minute history. A benchmark,
// not a test: it borrows the test harness (a throwaway database, the real app in-process, one session) and prints
// markdown. `bun run bench --capacity` runs it (as `bun test ./bench/capacity-pages.bench.ts`, which only runs
// when named: its name is not a test file's).

const t = useTestDatabase();
const RUNS = Number(process.env.CAPACITY_SPEED_RUNS ?? 200);

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

test("planning pages with a year of 15-minute history", async () => {
  const app = testApp({ db: t.db, now: () => new Date("2025-01-01T08:00:00Z") });
  const owner = await createAccount(t, app);
  const programId = await seedProgram(t, owner.tenantId, { intervalMinutes: 15 });
  // 365 days × 96 intervals: an intraday curve (quiet at night), busier on Mondays, a slow upward trend.
  await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered, aht_seconds)
    select ${owner.tenantId}, ${programId}, d::date, m,
      round((5 + 60 * greatest(0, sin(pi() * (m - 360) / 1080.0))) * (case extract(isodow from d) when 1 then 1.3 when 6 then 0.6 when 7 then 0.4 else 1 end)
        * (1 + (d::date - '2024-01-01'::date) / 1000.0))::int, 280 + (m % 60)
    from generate_series('2024-01-01'::date, '2024-12-29'::date, interval '1 day') d, generate_series(0, 1425, 15) m`;
  for (let i = 0; i < 120; i++) await seedAgent(t, owner.tenantId, programId, { employeeId: `P-${i}`, fte: i % 4 === 0 ? 0.5 : 1 });
  const base = `/t/${owner.slug}/capacity`;
  const timed = async <T>(fn: () => Promise<T>) => {
    const t0 = performance.now();
    const r = await fn();
    return [r, performance.now() - t0] as const;
  };
  const [f, forecastMs] = await timed(() => owner.client.post(`${base}/programs/${programId}/forecasts`, { method: "holt-winters", history_weeks: "52", start_day: "2024-12-30", horizon_weeks: "52" }));
  expect(f.status).toBe(303);
  const forecastUrl = f.headers.get("location")!;
  const [p, planMs] = await timed(() => owner.client.post(`${forecastUrl}/plans`, { name: "Year plan", hourly_cost: "22", monthly_attrition: "2" }));
  expect(p.status).toBe(303);
  const planUrl = p.headers.get("location")!;
  await owner.client.post(`${planUrl}/hiring-classes`, { start_day: "2025-03-03", size: "12", training_weeks: "4", ramp_weeks: "4" });
  const [s, scenarioMs] = await timed(() => owner.client.post(`${planUrl}/scenarios`, { volume_change: "10" }));
  const scenarioUrl = s.headers.get("location")!.split("?")[0]!;
  const [, adjustMs] = await timed(() => owner.client.post(`${forecastUrl}/adjustments`, { from_day: "2025-02-03", to_day: "2025-02-28", change: "20", note: "campaign" }));
  const [n] = await t.su`select count(*)::int as n from capacity_forecast_intervals`;
  const pages = { forecasts: `${base}/programs/${programId}/forecasts`, forecast: forecastUrl, plan: planUrl, comparison: `${scenarioUrl}/comparison`, day: `${planUrl}/days/2025-03-03`, leave: `${base}/leave` };
  const lines = [
    `\nA year of 15-minute history (35,040 intervals), a 52-week Holt-Winters forecast (${n!.n.toLocaleString("en-US")} intervals stored), a plan with attrition and a hiring class, a scenario, 120 agents. One session, ${RUNS} requests a page, in-process (no socket).\n`,
    `| change | ms |\n|---|---|`,
    `| create the forecast (52 weeks) | ${forecastMs.toFixed(0)} |`,
    `| create a plan | ${planMs.toFixed(0)} |`,
    `| copy the plan as a scenario | ${scenarioMs.toFixed(0)} |`,
    `| add an adjustment (recomputes both plans) | ${adjustMs.toFixed(0)} |`,
    `\n| planning page | p50 ms | p99 ms | brotli bytes | goal p99 ≤ 100 ms |\n|---|---|---|---|---|`,
  ];
  for (const [name, url] of Object.entries(pages)) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS + 10; i++) {
      const t0 = performance.now();
      const r = await owner.client.get(url, { "accept-encoding": "br, gzip" });
      const body = await r.arrayBuffer();
      expect(r.status).toBe(200);
      if (i >= 10) times.push(performance.now() - t0);
      bytes = body.byteLength;
    }
    const p99 = quantile(times, 0.99);
    lines.push(`| ${name} | ${quantile(times, 0.5).toFixed(1)} | ${p99.toFixed(1)} | ${bytes} | ${p99 <= 100 ? "yes" : "**no**"} |`);
  }
  // Between markers, so bench/run.ts can lift the table out of bun test's own output.
  console.log(`<<<capacity-pages\n${lines.join("\n")}\ncapacity-pages>>>`);
}, 300_000);
