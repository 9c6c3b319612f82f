// Field test (issue 10) of capacity planning's main path, driven like a user: import a program's contact volumes
// from CSV, compute a forecast on them, make a staffing plan of it and open one day's staffing. Once with
// JavaScript on a slow connection (400 kbit/s, 400 ms RTT), where every main page must be usable within 3 s cold
// and 1 s warm, and once with JavaScript off. Both end with no CSP violation and no console error.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { seedProgram } from "../routes/capacity/plans-fixture.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";
import { browserTest, expectUsable, flowSteps, hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

const START = "2025-03-03"; // a Monday: the forecast starts here, the history is the 4 weeks before

/** 4 weeks of hourly intervals, 08:00–17:00: 40 contacts on weekdays and 10 at weekends, AHT 300 s. */
function volumesCsv() {
  const lines = ["date,interval_start,offered,handled,aht"];
  for (let d = 28; d >= 1; d--) {
    const day = new Date(Date.parse(`${START}T00:00:00Z`) - d * 86_400_000);
    const n = day.getUTCDay() % 6 === 0 ? 10 : 40;
    for (let h = 8; h < 18; h++) lines.push(`${day.toISOString().slice(0, 10)},${String(h).padStart(2, "0")}:00,${n},${n},300`);
  }
  return `${lines.join("\n")}\n`;
}

describe("field test: capacity planning's main path", () => {
  let browser: Browser;
  let base: string;
  const t = useTestDatabase();
  let app: BrowserApp["app"];
  let web: BrowserApp | undefined;
  if (hasChromium) {
    beforeAll(async () => {
      web = await startBrowserApp(t.db);
      ({ app, base, browser } = web);
    });
    afterAll(() => web?.stop());
  }

  async function seed() {
    const a = await createAccount(t, app);
    const programId = await seedProgram(t, a.tenantId, { name: "Support line" });
    return { a, programId, cap: `${base}/t/${a.slug}/capacity` };
  }

  async function walk(s: Awaited<ReturnType<typeof seed>>, js: boolean) {
    const tag = js ? "js" : "nojs";
    const w = await watchedPage(browser, { javaScriptEnabled: js, throttled: js });
    const { page } = w;
    const nav = flowSteps(page, js);
    try {
      await page.context().addCookies([{ name: "session", value: s.a.token, url: base }]);

      // Import volumes: upload, the job runs, the status page follows it (htmx polling, or the Refresh link).
      await page.goto(`${s.cap}/programs/${s.programId}/imports`);
      await page.getByLabel("CSV file").setInputFiles({ name: "volumes.csv", mimeType: "text/csv", buffer: Buffer.from(volumesCsv()) });
      await nav.land("Capacity: Upload and import", /\/capacity\/imports\/[0-9a-f-]{36}\?done=started$/, "#import-progress", () => page.getByRole("button", { name: "Upload and import" }).click());
      await runDueJobs(t, jobDeps(t));
      if (!js) await nav.land("Capacity: Refresh", /\/capacity\/imports\/[0-9a-f-]{36}$/, "#import-progress", () => page.getByRole("link", { name: "Refresh" }).click());
      await page.locator("#import-progress h2", { hasText: "Done" }).waitFor({ timeout: 15_000 });
      const [volumes] = await t.su`select count(*)::int as n, sum(offered)::int as offered from capacity_intervals where program_id = ${s.programId}`;
      expect(volumes).toEqual({ n: 280, offered: 4 * (5 * 10 * 40 + 2 * 10 * 10) });
      await page.screenshot({ path: join(SCREENSHOTS, `flow-capacity-import-${tag}.png`), fullPage: true });

      // Forecast the next 2 weeks from those 4.
      await page.goto(`${s.cap}/programs/${s.programId}/forecasts`);
      await page.getByLabel("Name (optional)").fill(`Spring ${tag}`);
      await page.getByLabel("Method").selectOption("profile");
      await page.getByLabel("Weeks of history to learn from").fill("4");
      await page.getByLabel("First day (a Monday)").fill(START);
      await page.getByLabel("Weeks to forecast").fill("2");
      await nav.land("Capacity: Compute the forecast", /\/capacity\/forecasts\/[0-9a-f-]{36}$/, "#f-weekly_hours", () => page.getByRole("button", { name: "Compute the forecast" }).click());
      const forecastId = page.url().split("/").pop()!;
      const [stored] = await t.su`select count(*)::int as n, sum(base_contacts)::int as total from capacity_forecast_intervals where forecast_id = ${forecastId}`;
      expect(stored).toEqual({ n: 140, total: 2 * (5 * 400 + 2 * 100) });
      await page.screenshot({ path: join(SCREENSHOTS, `flow-capacity-forecast-${tag}.png`), fullPage: true });

      // Make the staffing plan on the forecast's page, then open its first day.
      await page.getByLabel("Name", { exact: true }).fill(`Plan ${tag}`);
      await page.getByLabel("Hourly cost of an agent").fill("20");
      await nav.land("Capacity: Create the plan", /\/capacity\/plans\/[0-9a-f-]{36}$/, "main table", () => page.getByRole("button", { name: "Create the plan" }).click());
      expect(await page.locator("main h1").textContent()).toBe(`Plan ${tag}`);
      const planId = page.url().split("/").pop()!;
      const [plan] = await t.su`select name, forecast_id from capacity_plans where id = ${planId}`;
      expect(plan).toEqual({ name: `Plan ${tag}`, forecast_id: forecastId });
      expect(await page.locator("main table tbody tr").count()).toBe(2);
      await page.screenshot({ path: join(SCREENSHOTS, `flow-capacity-plan-${tag}.png`), fullPage: true });
      await nav.land("Capacity: Show the day", /\/capacity\/plans\/[0-9a-f-]{36}\/days/, "main table", () => page.getByRole("button", { name: "Show the day" }).click());
      expect(await page.locator("main").textContent()).toContain(START);

      nav.done();
      expect(await w.problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }

  browserTest("on a slow connection with JavaScript, each main page is usable in time and the path works with no CSP violation or console error", async () => {
    const s = await seed();
    await expectUsable(browser, base, s.a.token, [
      ["Capacity: volume upload", `${s.cap}/programs/${s.programId}/imports`, "#f-file"],
      ["Capacity: forecasts", `${s.cap}/programs/${s.programId}/forecasts`, "#f-start_day"],
    ]);
    await walk(s, true);
    const [plan] = await t.su<{ id: string; forecast_id: string }[]>`select id, forecast_id from capacity_plans where tenant_id = ${s.a.tenantId}`;
    const [imp] = await t.su<{ id: string }[]>`select id from capacity_imports where tenant_id = ${s.a.tenantId}`;
    await expectUsable(browser, base, s.a.token, [
      ["Capacity: import report", `${s.cap}/imports/${imp!.id}`, "#import-progress"],
      ["Capacity: forecast", `${s.cap}/forecasts/${plan!.forecast_id}`, "#f-weekly_hours"],
      ["Capacity: staffing plan", `${s.cap}/plans/${plan!.id}`, "#f-day"],
      ["Capacity: one day's staffing", `${s.cap}/plans/${plan!.id}/days/${START}`, "main table"],
    ]);
  }, 90_000);

  browserTest("with JavaScript off, the same path works through plain forms, redirects and full pages", async () => {
    await walk(await seed(), false);
  }, 60_000);
});
