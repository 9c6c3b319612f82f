// Field test (issue 10) of the crews module's main path, driven like a user: assign a worker to a project for a
// whole working week from the schedule, then add a pour on that project with that worker and confirm it. Once with
// JavaScript on a slow connection (400 kbit/s, 400 ms RTT), where every main page must be usable within 3 s cold
// and 1 s warm, and once with JavaScript off. Both end with no CSP violation and no console error.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { addWeeks, formatWeek, weekDays, weekOf } from "../../src/domain/crews/week.ts";
import { seedCrew } from "../routes/crews/schedule-fixture.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { browserTest, expectUsable, flowSteps, hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

// Next week (Monday first, the workspace default): its pours are ahead, so the lookahead lists them.
const week = addWeeks(weekOf(new Date().toISOString().slice(0, 10), 1), 1, 1);
const WEEK = formatWeek(week);
const DAYS = weekDays(week, 1);
const POUR_DAY = DAYS[2]!; // its Wednesday

describe("field test: the crews module's main path", () => {
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
    const crew = await seedCrew(t, a.tenantId, { workers: 2 });
    return { a, crew, crews: `${base}/t/${a.slug}/crews` };
  }

  async function walk(s: Awaited<ReturnType<typeof seed>>, js: boolean) {
    const tag = js ? "js" : "nojs";
    const w = await watchedPage(browser, { javaScriptEnabled: js, throttled: js });
    const { page } = w;
    const nav = flowSteps(page, js);
    const worker = s.crew.workers[0]!;
    try {
      await page.context().addCookies([{ name: "session", value: s.a.token, url: base }]);

      // Assign Worker A to Riverside Tower for Monday to Friday: the person's link opens the week's form.
      await page.goto(`${s.crews}/schedule?week=${WEEK}`);
      await nav.land("Crews: a person's week (link)", /\/schedule\/cell\?/, "#assign", () => page.locator(`#r-${worker} th a`).first().click());
      await page.getByLabel("Day", { exact: true }).selectOption({ label: "Monday to Friday (the whole working week)" });
      await page.getByLabel("Project or status").selectOption("project");
      await page.getByLabel("Project", { exact: true }).selectOption(s.crew.projects[0]!);
      await nav.land("Crews: Assign", /done=week/, `#r-${worker}`, () => page.getByRole("button", { name: "Assign", exact: true }).click());
      const week = await t.su`select day::text, project_id from crew_assignments where tenant_id = ${s.a.tenantId} and employee_id = ${worker} order by day`;
      expect([...week]).toEqual(DAYS.slice(0, 5).map((day) => ({ day, project_id: s.crew.projects[0]! })));
      expect(await page.locator(`#r-${worker}`).getByText("Riverside Tower").count()).toBe(5);
      await page.screenshot({ path: join(SCREENSHOTS, `flow-crews-week-${tag}.png`), fullPage: true });

      // Add a pour on that project on the Wednesday, with that worker placing, and confirm it.
      await page.goto(`${s.crews}/pours/new`);
      await page.getByLabel("Project", { exact: true }).selectOption(s.crew.projects[0]!);
      await page.getByLabel("Day", { exact: true }).fill(POUR_DAY);
      await page.getByLabel("Start time", { exact: true }).fill("07:00");
      await page.getByLabel("Element or location").fill(`Level 3 deck ${tag}`);
      await page.getByLabel(/^Volume/).fill("120");
      await page.getByLabel("Placing crew").selectOption(worker);
      await nav.land("Crews: Add pour", /\/crews\/pours\/[0-9a-f-]{36}\?done=created$/, "main h1", () => page.getByRole("button", { name: "Add pour" }).click());
      const pourId = new URL(page.url()).pathname.split("/").pop()!;
      await nav.land("Crews: Confirm the pour", /done=confirmed/, "main h1", () => page.getByRole("button", { name: "Confirm the pour" }).click());
      const [pour] = await t.su`select status, day::text, location from crew_pours where id = ${pourId}`;
      expect(pour).toEqual({ status: "confirmed", day: POUR_DAY, location: `Level 3 deck ${tag}` });
      expect(await page.locator("main").textContent()).toContain("Confirmed");
      await page.screenshot({ path: join(SCREENSHOTS, `flow-crews-pour-${tag}.png`), fullPage: true });

      nav.done();
      expect(await w.problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }

  browserTest("on a slow connection with JavaScript, each main page is usable in time and the path works with no CSP violation or console error", async () => {
    const s = await seed();
    await expectUsable(browser, base, s.a.token, [
      ["Crews: week schedule", `${s.crews}/schedule?week=${WEEK}`, `#r-${s.crew.workers[0]} a.c`],
      ["Crews: assign a person's week", `${s.crews}/schedule/cell?e=${s.crew.workers[0]}&week=${WEEK}`, "#assign button"],
      ["Crews: new pour", `${s.crews}/pours/new`, "#f-placing"],
      ["Crews: pour lookahead", `${s.crews}/pours`, "main table, main p"],
    ]);
    await walk(s, true);
    const [pour] = await t.su<{ id: string }[]>`select id from crew_pours where tenant_id = ${s.a.tenantId}`;
    await expectUsable(browser, base, s.a.token, [["Crews: pour", `${s.crews}/pours/${pour!.id}`, "main form button"]]);
  }, 90_000);

  browserTest("with JavaScript off, the same path works through plain forms, redirects and full pages", async () => {
    await walk(await seed(), false);
  }, 60_000);
});
