import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { Db } from "../../src/domain/db.ts";
import { testApp } from "../support/app.ts";

export const CHROMIUM = "/usr/bin/chromium";
// The flags in stack-notes: headless, no sandbox (we run as root), nothing that phones home.
export const LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
export const SCREENSHOTS = join(import.meta.dir, "../../test-results/e2e");
export const hasChromium = existsSync(CHROMIUM);

export interface BrowserApp {
  app: ReturnType<typeof testApp>;
  base: string;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * Steward on a real loopback port (its own socket address, so no trusted proxy) and a headless chromium, for one
 * describe block: call it in beforeAll, and stop() in afterAll.
 */
export async function startBrowserApp(db: Db): Promise<BrowserApp> {
  const app = testApp({ db, env: { TRUST_PROXY: "false" } });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => app.fetch(req, srv) });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    app,
    base: `http://127.0.0.1:${server.port}`,
    browser,
    async stop() {
      await browser.close();
      await server.stop(true);
    },
  };
}

export interface Watched {
  page: Page;
  /** CSP violations and console errors so far. 4xx answers to form posts are expected and not counted. */
  problems(): Promise<{ csp: string[]; errors: string[] }>;
}

/** A fresh context and page that records every CSP violation and console error from the first byte on. */
export async function watchedPage(browser: Browser, opts: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 390, height: 844 }, javaScriptEnabled: opts.javaScriptEnabled ?? true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return {
    page,
    problems: async () => ({ csp: opts.javaScriptEnabled === false ? [] : await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), errors }),
  };
}
