// Browser tests: the real app on a real port, driven by Debian's chromium through playwright-core.
// They prove what app.request() cannot: the page loads its script and styles under our CSP without a single
// violation or console error, and it fits a small phone screen. Screenshots go to test-results/e2e/ (CI artefacts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { CHROMIUM, hasChromium, LAUNCH_ARGS, SCREENSHOTS } from "./browser.ts";

const inCi = Boolean(process.env.CI);

if (!hasChromium && !inCi) {
  console.warn(
    `[e2e] Skipping browser tests: ${CHROMIUM} not found. Install it with \`apt-get install -y chromium\` ` +
      "(CI installs it, and there these tests fail instead of skipping).",
  );
}

// In CI a missing browser is a broken setup, not a reason to skip: fail loudly. (Registered only then, so a
// normal run does not count it as skipped.)
if (!hasChromium && inCi) {
  test("chromium is installed where the browser tests expect it", () => {
    throw new Error(`${CHROMIUM} not found, and CI is set: the browser tests cannot be skipped in CI.`);
  });
}

interface Problems {
  cspViolations: { directive: string; blockedURI: string; sourceFile: string; line: number }[];
  consoleErrors: string[];
}

declare global {
  interface Window {
    __cspViolations?: Problems["cspViolations"];
  }
}

describe("home page in a real browser", () => {
  let server: ReturnType<typeof Bun.serve>;
  let browser: Browser;
  let baseUrl: string;

  // Hooks only when there is a browser: bun lists the hooks of a skipped describe as extra skipped "(unnamed)"
  // tests, which would inflate the skipped count. Without chromium the two tests below are skipped by name.
  if (hasChromium) {
    const t = useTestDatabase();

    beforeAll(async () => {
      const app = testApp({ db: t.db });
      server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: false, fetch: (req) => app.fetch(req) });
      baseUrl = `http://127.0.0.1:${server.port}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      mkdirSync(SCREENSHOTS, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.stop(true);
    });
  }

  /** Opens `/` in a fresh context, recording CSP violations and console errors from the first byte on. */
  async function openHome(viewport: { width: number; height: number }): Promise<{ page: Page; problems: () => Promise<Problems> }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(`console.error: ${msg.text()} (${msg.location().url})`);
    });
    page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
    await page.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations!.push({
          directive: e.violatedDirective,
          blockedURI: e.blockedURI,
          sourceFile: e.sourceFile,
          line: e.lineNumber,
        });
      });
    });
    const res = await page.goto(`${baseUrl}/`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    // htmx is defined only if /vendor/…/htmx.min.js was allowed by script-src and ran.
    await page.waitForFunction(() => "htmx" in window, undefined, { timeout: 5000 });
    return {
      page,
      problems: async () => ({ cspViolations: await page.evaluate(() => window.__cspViolations ?? []), consoleErrors }),
    };
  }

  test.skipIf(!hasChromium)("the home page loads htmx under the CSP with no violations or console errors, and links to sign-up and sign-in", async () => {
    const { page, problems } = await openHome({ width: 1280, height: 800 });
    try {
      await page.screenshot({ path: join(SCREENSHOTS, "home.png"), fullPage: true });

      const found = await problems();
      expect(found.cspViolations).toEqual([]);
      expect(found.consoleErrors).toEqual([]);

      expect((await page.locator("h1").textContent())?.trim()).toBe("Steward");
      expect(await page.locator('a[href="/signup"]').count()).toBeGreaterThan(0);
      expect(await page.locator('a[href="/signin"]').count()).toBeGreaterThan(0);
    } finally {
      await page.context().close();
    }
  });

  test.skipIf(!hasChromium)("the home page fits a 360px-wide screen without horizontal scrolling", async () => {
    const { page } = await openHome({ width: 360, height: 740 });
    try {
      await page.screenshot({ path: join(SCREENSHOTS, "home-360.png"), fullPage: true });
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth).toBeLessThanOrEqual(360);
    } finally {
      await page.context().close();
    }
  });
});
