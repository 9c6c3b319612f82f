// The weekly schedule in a real browser: with JavaScript, arrow keys move between days and people and a digit
// puts the person on that project of the list ("." repeats it, and a project dragged onto a day assigns it), all
// through the page's own form (static/schedule.js); with JavaScript off, the day's link opens the plain form.
// Neither raises a CSP violation.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";
import { seedCrew } from "../routes/crews/schedule-fixture.ts";
import { hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

describe("the weekly schedule in a real browser", () => {
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

  async function signIn(page: Page, a: Account) {
    await page.context().addCookies([{ name: "session", value: a.token, url: base }]);
  }
  const cellOf = async (tenantId: string, employeeId: string, day: string) =>
    [...(await t.su<{ project_id: string | null; kind: string; hours: string | null }[]>`select project_id, kind, hours::text from crew_assignments where tenant_id = ${tenantId} and employee_id = ${employeeId} and day = ${day} order by project_id`)];

  test.skipIf(!hasChromium)("assigning by keyboard and by drag with JavaScript, with no CSP violation", async () => {
    const a = await createAccount(t, app);
    const crew = await seedCrew(t, a.tenantId, { workers: 2 });
    // The palette lists projects by name: 1 = Harbor Bridge (projects[1]), 2 = Riverside Tower (projects[0]).
    const { page, problems } = await watchedPage(browser, { viewport: { width: 1400, height: 900 } });
    try {
      await signIn(page, a);
      const grid = `${base}/t/${a.slug}/crews/schedule?week=2025-W10`;
      await page.goto(grid);
      await page.locator("#keys:not([hidden])").waitFor({ timeout: 5000 });
      // Drag a project from the list onto the foreman's Thursday.
      const chip = page.locator(`#palette .chip[data-p="${crew.projects[0]}"][draggable=true]`);
      await Promise.all([page.waitForURL(/at=2025-03-06/, { timeout: 5000 }), chip.dragTo(page.locator(`#r-${crew.foreman} td`).nth(3))]);
      expect(await cellOf(a.tenantId, crew.foreman, "2025-03-06")).toEqual([{ project_id: crew.projects[0]!, kind: "project", hours: null }]);

      // The grid is one tab stop: from the foreman's Monday, move right and down.
      await page.locator(`#r-${crew.foreman} td a.c`).first().focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowDown");
      expect(await page.evaluate(() => document.activeElement?.closest("tr")?.id)).toBe(`r-${crew.workers[0]}`);
      await Promise.all([page.waitForURL(/at=2025-03-04/, { timeout: 5000 }), page.keyboard.press("1")]);
      expect(await cellOf(a.tenantId, crew.workers[0]!, "2025-03-04")).toEqual([{ project_id: crew.projects[1]!, kind: "project", hours: null }]);

      // Back on the grid the keyboard carries on from the same day: move right and repeat the last project.
      await page.waitForFunction((id) => document.activeElement?.closest("tr")?.id === id, `r-${crew.workers[0]}`, { timeout: 5000 });
      await page.keyboard.press("ArrowRight");
      await Promise.all([page.waitForURL(/at=2025-03-05/, { timeout: 5000 }), page.keyboard.press(".")]);
      expect(await cellOf(a.tenantId, crew.workers[0]!, "2025-03-05")).toEqual([{ project_id: crew.projects[1]!, kind: "project", hours: null }]);
      await page.locator(`#r-${crew.workers[0]} td`).nth(2).getByText("Harbor Bridge").waitFor({ timeout: 5000 });

      // Delete clears the focused day.
      await Promise.all([page.waitForURL(/done=cleared/, { timeout: 5000 }), page.keyboard.press("Delete")]);
      expect(await cellOf(a.tenantId, crew.workers[0]!, "2025-03-05")).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, "schedule-keyboard.png"), fullPage: true });
      const events = await t.su`select count(*)::int as n from audit_events where tenant_id = ${a.tenantId} and action in ('schedule.assigned', 'schedule.cleared')`;
      expect(events[0]!.n).toBe(4);
      expect(await problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }, 30_000);

  test.skipIf(!hasChromium)("with JavaScript off, a day's link opens the plain form that assigns it", async () => {
    const a = await createAccount(t, app);
    const crew = await seedCrew(t, a.tenantId, { workers: 1 });
    const { page } = await watchedPage(browser, { javaScriptEnabled: false });
    try {
      await signIn(page, a);
      await page.goto(`${base}/t/${a.slug}/crews/schedule?week=2025-W10`);
      expect(await page.locator("#keys").isHidden()).toBe(true);
      await Promise.all([page.waitForURL(/\/schedule\/cell\?/, { timeout: 5000 }), page.locator(`#r-${crew.workers[0]} td a.c`).nth(2).click()]);
      expect(await page.locator("#f-day").inputValue()).toBe("2025-03-05");
      await page.selectOption("#f-project_id", crew.projects[0]!);
      await page.fill("#f-hours", "6");
      await page.fill("#f-start_time", "06:30");
      await page.locator("#f-start_time").press("Tab");
      await Promise.all([page.waitForURL(/done=assigned/, { timeout: 5000 }), page.getByRole("button", { name: "Assign", exact: true }).press("Enter")]);
      expect(await cellOf(a.tenantId, crew.workers[0]!, "2025-03-05")).toEqual([{ project_id: crew.projects[0]!, kind: "project", hours: "6" }]);
      await page.locator(`#r-${crew.workers[0]} td`).nth(2).getByText("Riverside Tower").waitFor({ timeout: 5000 });
    } finally {
      await page.context().close();
    }
  }, 30_000);
});
