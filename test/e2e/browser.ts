import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "bun:test";
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

/**
 * A fresh context and page that records every CSP violation and console error from the first byte on, across every
 * page the flow goes through (violations are reported to the test as they happen, not read from the last page).
 * `throttled` puts the page on the slow profile (SLOW).
 */
export async function watchedPage(
  browser: Browser,
  opts: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number }; throttled?: boolean } = {},
): Promise<Watched> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 390, height: 844 }, javaScriptEnabled: opts.javaScriptEnabled ?? true });
  const page = await context.newPage();
  const errors: string[] = [];
  const csp: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.exposeFunction("__cspReport", (v: string) => csp.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { __cspReport: (v: string) => void }).__cspReport(`${e.violatedDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
  if (opts.throttled) await throttle(page);
  return { page, problems: async () => ({ csp: [...csp], errors: [...errors] }) };
}

/**
 * `test` for browser tests: skipped (by name) when chromium is missing on a developer's machine, but run, and so
 * failing, when CI is set: in CI a missing browser is a broken setup, not a reason to skip.
 */
export const browserTest = hasChromium || !process.env.CI ? test.skipIf(!hasChromium) : test;

// The field-test profile (issue 10): 400 kbit/s down, 400 ms round trip. Upload is 200 kbit/s, half the downlink
// as on a weak mobile link, so posting a form or a CSV pays for its bytes too.
export const SLOW = { latency: 400, downloadThroughput: (400 * 1024) / 8, uploadThroughput: (200 * 1024) / 8 };
export const COLD_MS = 3000;
export const WARM_MS = 1000;

/** Throttles this page's network with the DevTools protocol (chromium's own emulation, applied per request). */
export async function throttle(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, ...SLOW });
}

/**
 * Milliseconds from the start of the page's navigation (redirects included: a form post's 303 counts) until it is
 * usable: `main` and the flow's key control are in the document and every stylesheet has loaded (until then the
 * browser paints nothing). Measured inside the page, so a busy test process does not add to it. Call it right
 * after starting the navigation (goto with waitUntil "commit", or the click that submits).
 */
export async function usableAfter(page: Page, key: string): Promise<number> {
  const handle = await page.waitForFunction(
    (sel) => {
      const ready = document.querySelector("main") && document.querySelector(sel) && [...document.querySelectorAll<HTMLLinkElement>("link[rel=stylesheet]")].every((l) => l.sheet);
      return ready ? performance.now() : false;
    },
    key,
    { timeout: 15_000 },
  );
  return Math.round((await handle.jsonValue()) as number);
}

export interface Timing {
  page: string;
  cold: number;
  warm: number;
}

/**
 * Opens `url` in a fresh throttled context (empty cache) and once more in the same context (static assets cached),
 * and returns both times until usable. `cookie` signs the context in. An init script notes the exact moment the
 * page becomes usable (on each parsed node and each loaded stylesheet), so polling adds no lag to the figure.
 */
export async function measure(browser: Browser, base: string, name: string, url: string, key: string, cookie?: string): Promise<Timing> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    if (cookie) await context.addCookies([{ name: "session", value: cookie, url: base }]);
    const page = await context.newPage();
    await page.addInitScript((sel) => {
      const w = window as unknown as { __usable?: number };
      const check = () => {
        if (w.__usable === undefined && document.querySelector("main") && document.querySelector(sel) && [...document.querySelectorAll<HTMLLinkElement>("link[rel=stylesheet]")].every((l) => l.sheet)) {
          w.__usable = performance.now();
        }
      };
      new MutationObserver(check).observe(document, { childList: true, subtree: true });
      document.addEventListener("load", check, true); // a stylesheet's load (captured: it does not bubble)
      document.addEventListener("DOMContentLoaded", check);
    }, key);
    await throttle(page);
    const open = async () => {
      await page.goto(url, { waitUntil: "commit" });
      const ms = await page.waitForFunction(() => (window as unknown as { __usable?: number }).__usable, undefined, { timeout: 15_000 });
      await page.waitForLoadState("load");
      return Math.round((await ms.jsonValue()) as number);
    };
    const cold = await open();
    const warm = await open();
    return { page: name, cold, warm };
  } finally {
    await context.close();
  }
}

/** Measures each page and prints a table the lead can quote; then every page must meet the budget. */
export async function expectUsable(browser: Browser, base: string, cookie: string | undefined, pages: [name: string, url: string, key: string][]) {
  const timings: Timing[] = [];
  for (const [name, url, key] of pages) timings.push(await measure(browser, base, name, url, key, cookie));
  console.log(
    [`usable under ${(SLOW.downloadThroughput * 8) / 1024} kbit/s, ${SLOW.latency} ms RTT (ms):`, ...timings.map((t) => `  ${t.page.padEnd(34)} cold ${String(t.cold).padStart(5)}   warm ${String(t.warm).padStart(5)}`)].join("\n"),
  );
  const over = timings.filter((t) => t.cold > COLD_MS || t.warm > WARM_MS).map((t) => `${t.page}: cold ${t.cold} ms (budget ${COLD_MS}), warm ${t.warm} ms (budget ${WARM_MS})`);
  expect(over).toEqual([]);
  return timings;
}

/**
 * Starts a navigation with `act` (a click that submits, a goto), waits for `url`, and then for the page to be
 * usable (`key` present). With `timed`, returns the time from navigation start until usable (see usableAfter);
 * a page with JavaScript off is only waited for (nothing can be evaluated in it).
 */
export async function landOn(page: Page, url: string | RegExp, key: string, act: () => Promise<unknown>, timed = false): Promise<number | null> {
  await Promise.all([page.waitForURL(url, { waitUntil: "commit", timeout: 15_000 }), act()]);
  if (timed) return usableAfter(page, key);
  await page.locator(key).first().waitFor({ state: "attached", timeout: 15_000 });
  return null;
}

/**
 * The navigations of one flow (form posts and their redirects, links). With `timed` (JavaScript on, throttled)
 * each is timed until usable; done() prints them and holds each to the cold budget: after a post the page is new
 * to the browser, only its static assets are cached.
 */
export function flowSteps(page: Page, timed: boolean) {
  const steps: [string, number][] = [];
  return {
    async land(name: string, url: string | RegExp, key: string, act: () => Promise<unknown>) {
      const ms = await landOn(page, url, key, act, timed);
      if (ms !== null) steps.push([name, ms]);
    },
    done() {
      if (!timed) return;
      console.log(["flow steps, from the click until usable (ms):", ...steps.map(([n, ms]) => `  ${n.padEnd(44)} ${String(ms).padStart(5)}`)].join("\n"));
      expect(steps.filter(([, ms]) => ms > COLD_MS).map(([n, ms]) => `${n}: ${ms} ms (budget ${COLD_MS})`)).toEqual([]);
    },
  };
}
