// Sign-up in a real browser: with htmx (inline validation as you type) and with JavaScript off (plain form posts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { useTestDatabase } from "../support/db.ts";
import { browserTest, expectUsable, hasChromium, landOn, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

describe("sign-up in a real browser", () => {
  let browser: Browser;
  let base: string;
  let web: BrowserApp | undefined;
  const t = useTestDatabase();
  if (hasChromium) {
    beforeAll(async () => {
      web = await startBrowserApp(t.db);
      ({ base, browser } = web);
    });
    afterAll(() => web?.stop());
  }

  test.skipIf(!hasChromium)("fields are checked as you leave them, then the form creates the workspace, with no CSP violation", async () => {
    const { page, problems } = await watchedPage(browser);
    try {
      await page.goto(`${base}/signup`);
      await page.waitForFunction(() => "htmx" in window);
      await page.fill("#f-name", "Grace Hopper");
      await page.fill("#f-email", "grace@example.com");
      await page.fill("#f-password", "1234567890");
      await page.fill("#f-workspace_name", "Compilers");
      await page.locator("#f-password-msg").getByText("commonly used").waitFor({ timeout: 5000 });
      await page.fill("#f-slug", "ab");
      await page.press("#f-slug", "Tab");
      await page.locator("#f-slug-msg").getByText("at least 3").waitFor({ timeout: 5000 });
      await page.screenshot({ path: join(SCREENSHOTS, "signup-inline.png"), fullPage: true });
      await page.fill("#f-password", "first compiler ever written");
      await page.fill("#f-slug", "compilers");
      await page.press("#f-slug", "Tab");
      await page.waitForFunction(() => !document.querySelector("#f-slug-msg")?.textContent?.trim(), undefined, { timeout: 5000 });
      await Promise.all([page.waitForURL(`${base}/t/compilers`), page.click("main button[type=submit]")]);
      expect(await page.locator("h1").textContent()).toBe("Compilers");
      await page.screenshot({ path: join(SCREENSHOTS, "workspace.png"), fullPage: true });
      expect(await problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  });

  test.skipIf(!hasChromium)("with JavaScript off, a bad sign-up shows its errors and a good one lands in the workspace", async () => {
    const { page } = await watchedPage(browser, { javaScriptEnabled: false });
    try {
      await page.goto(`${base}/signup`);
      await page.fill("#f-name", "Katherine Johnson");
      await page.fill("#f-email", "katherine@example.com");
      await page.fill("#f-password", "short");
      await page.fill("#f-workspace_name", "Trajectories");
      await page.fill("#f-slug", "trajectories");
      await page.click("main button[type=submit]");
      expect(await page.locator("#f-password-error").textContent()).toContain("at least 10");
      expect(await page.inputValue("#f-slug")).toBe("trajectories");
      await page.fill("#f-password", "orbital mechanics by hand");
      await Promise.all([page.waitForURL(`${base}/t/trajectories`), page.click("main button[type=submit]")]);
      expect(await page.locator("h1").textContent()).toBe("Trajectories");
      // And out again: sign-out is a form post too.
      await Promise.all([page.waitForURL(`${base}/`), page.click("header button[type=submit]")]);
      expect(await page.locator('a[href="/signin"]').count()).toBeGreaterThan(0);
    } finally {
      await page.context().close();
    }
  });
  // Field test (issue 10): the same path on a slow connection (400 kbit/s, 400 ms RTT); the sign-up form and the
  // new workspace's home must be usable within 3 s cold and 1 s warm.
  browserTest("on a slow connection, sign-up is usable in time and lands in the new workspace, with no CSP violation or console error", async () => {
    await expectUsable(browser, base, undefined, [["Sign-up form", `${base}/signup`, "#f-slug"]]);
    const w = await watchedPage(browser, { throttled: true });
    const { page } = w;
    try {
      await page.goto(`${base}/signup`);
      await page.getByLabel("Your name").fill("Mary Jackson");
      await page.getByLabel("Email", { exact: true }).fill("mary@example.com");
      await page.getByLabel("Password", { exact: true }).fill("wind tunnels at langley");
      await page.getByLabel("Workspace name").fill("Wind Tunnels");
      await page.fill("#f-slug", "wind-tunnels");
      const landed = await landOn(page, `${base}/t/wind-tunnels`, "main h1", () => page.click("main button[type=submit]"), true);
      console.log(`sign-up posted and the workspace usable after ${landed} ms (the post, its 303 and the page)`);
      expect(landed!).toBeLessThanOrEqual(3000);
      expect(await page.locator("main h1").textContent()).toBe("Wind Tunnels");
      const [ws] = await t.su`select t.name, m.role from tenants t join memberships m on m.tenant_id = t.id join users u on u.id = m.user_id where t.slug = 'wind-tunnels' and u.email = 'mary@example.com'`;
      expect(ws).toEqual({ name: "Wind Tunnels", role: "owner" });
      await page.screenshot({ path: join(SCREENSHOTS, "flow-signup-slow.png"), fullPage: true });
      const [session] = (await page.context().cookies()).filter((c) => c.name === "session");
      await expectUsable(browser, base, session!.value, [["Workspace home", `${base}/t/wind-tunnels`, "main h1"]]);
      expect(await w.problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
