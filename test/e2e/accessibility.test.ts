// Accessibility (issue 10, item 3) in a real browser: axe-core finds no serious or critical WCAG 2 A/AA violation
// on any main page (the shared crawl's pages, signed in, plus the public ones and a public lead form) nor on a form
// re-rendered with its 422 errors; every visible form control has an accessible name; focus is visible.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { Client, testApp } from "../support/app.ts";
import { crawl, MUST_REACH, PUBLIC_START, seedDemoWorkspace, workspaceStart, type DemoWorkspace } from "../support/crawl.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { seedCrew } from "../routes/crews/schedule-fixture.ts";
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

/** Presses `key` (Tab by default) until the focused element matches `selector`, as a keyboard user would. */
async function tabTo(page: Page, selector: string, key = "Tab", max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
  }
  throw new Error(`${selector} not reached in ${max} presses of ${key}`);
}

/** What the focused element looks like: a focus ring is an outline at least 2px wide, or a box shadow. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
    return { el: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} ${(el.textContent ?? "").trim().slice(0, 30)}`.trim(), tag: el.tagName, ring, body: el === document.body };
  });
}

/** Every field message is tied to an invalid control (aria-describedby), and every invalid control to its message. */
async function untiedErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea")];
    const describes = (c: HTMLElement, el: Element) => (c.getAttribute("aria-describedby") ?? "").split(/\s+/).some((id) => id && document.getElementById(id)?.contains(el));
    for (const msg of document.querySelectorAll(".field-error")) {
      const owner = controls.find((c) => describes(c, msg));
      if (!owner) out.push(`message "${msg.textContent}" describes no control`);
      else if (owner.getAttribute("aria-invalid") !== "true") out.push(`${owner.id} has a message but no aria-invalid`);
    }
    for (const c of document.querySelectorAll('[aria-invalid="true"]')) {
      if (![...document.querySelectorAll(".field-error")].some((m) => describes(c as HTMLElement, m))) out.push(`${c.id} is invalid with no message tied to it`);
    }
    return out;
  });
}

describe("accessibility in a real browser", () => {
  const t = useTestDatabase();
  let web: BrowserApp | undefined;
  let crawler: ReturnType<typeof testApp>;
  let demo: DemoWorkspace;
  let signedIn: BrowserContext;
  let anonymous: BrowserContext;
  let pages: string[] = [];
  let publicPages: string[] = [];

  if (hasChromium) {
    beforeAll(async () => {
      web = await startBrowserApp(t.db);
      // The crawl goes through app.request (no socket), so it uses an app that takes the address from the client.
      crawler = testApp({ db: t.db });
      demo = await seedDemoWorkspace(t.db, crawler, "axe");
      const form = new URLSearchParams({ name: "Contact us", slug: "contact", source: "Website", min_seconds: "0", active: "1", redirect_url: "", fields: "email" });
      expect((await demo.client.post(`/t/${demo.slug}/crm/forms`, form)).status).toBe(303);
      publicPages = [...(await crawl(new Client(crawler), PUBLIC_START)).map((p) => p.path), "/", `/f/${demo.slug}/contact`];
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

  test.skipIf(!hasChromium)("a form sent back with its errors (422) passes axe, with a summary and each message tied to its field", async () => {
    const page = await signedIn.newPage();
    const problems: string[] = [];
    const w = `/t/${demo.slug}`;
    for (const path of [`${w}/crm/deals/new`, `${w}/crews/employees/new`, `${w}/capacity/programs/new`, "/signup"]) {
      const p = path === "/signup" ? await anonymous.newPage() : page;
      await p.goto(web!.base + path);
      const form = p.locator("main form[method=post]").first();
      // Empty every text field and skip the browser's own checks, so the server is the one that says what is wrong.
      const [res] = await Promise.all([
        p.waitForResponse((r) => r.request().method() === "POST"),
        form.evaluate((f: HTMLFormElement) => {
          f.noValidate = true;
          for (const el of f.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea")) el.value = "";
          f.requestSubmit();
        }),
      ]);
      expect(`${path} ${res.status()}`).toBe(`${path} 422`);
      await p.locator(".field-error").first().waitFor({ timeout: 5000 });
      if (!(await p.locator('[role="alert"]').first().isVisible())) problems.push(`${path}: no error summary`);
      for (const v of await axe(p)) problems.push(`${path} (422): ${v.impact} ${v.rule} at ${v.targets.join(", ")}`);
      for (const e of await untiedErrors(p)) problems.push(`${path} (422): ${e}`);
      if (p !== page) await p.close();
    }
    await page.close();
    expect(problems).toEqual([]);
  }, 60_000);

  test.skipIf(!hasChromium)("every link, button, field and summary that Tab reaches shows a focus ring, and a board card shows when focus is in it", async () => {
    const page = await signedIn.newPage();
    const contact = pages.find((p) => /\/crm\/contacts\/[0-9a-f-]{36}$/.test(p))!;
    const board = pages.find((p) => /\/crm\/pipelines\/[0-9a-f-]{36}\/board$/.test(p))!;
    const without: string[] = [];
    const tags = new Set<string>();
    for (const path of [contact, `/t/${demo.slug}/crm/deals/new`, board]) {
      await page.goto(web!.base + path);
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press("Tab");
        const f = await focused(page);
        if (f.body) break;
        tags.add(f.tag);
        if (!f.ring) without.push(`${path}: ${f.el}`);
      }
    }
    expect(without).toEqual([]);
    // The walk must have met each kind of control, or it proves nothing about them.
    expect([...tags].filter((t) => ["A", "BUTTON", "INPUT", "SELECT", "SUMMARY"].includes(t)).sort()).toEqual(["A", "BUTTON", "INPUT", "SELECT", "SUMMARY"]);
    // On the board the whole card is marked while one of its controls has keyboard focus.
    await page.goto(web!.base + board);
    await tabTo(page, ".board-card button");
    const card = await page.evaluate(() => getComputedStyle(document.activeElement!.closest(".board-card")!).outlineStyle);
    expect(card).not.toBe("none");
    await page.close();
  }, 60_000);

  // The keyboard alone: Tab, Shift+Tab, Enter, Space and arrows. Reading the focus tells the test where it is;
  // nothing is clicked or focused for it.
  test.skipIf(!hasChromium)("the pipeline board moves a deal to another stage with the keyboard alone", async () => {
    const a = await createAccount(t, crawler);
    await a.client.get(`/t/${a.slug}/crm/pipelines`);
    const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${a.tenantId}`;
    const stages = [...(await t.su<{ id: string; name: string }[]>`select id, name from pipeline_stages where pipeline_id = ${p!.id} order by position`)];
    const dealId = Bun.randomUUIDv7();
    await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, probability, position, created_at, updated_at)
      values (${a.tenantId}, ${dealId}, 'Keyed lighthouse', 250000, 'EUR', ${p!.id}, ${stages[0]!.id}, 10, 1, now(), now())`;
    const stageOf = async () => (await t.su<{ stage_id: string }[]>`select stage_id from deals where id = ${dealId}`)[0]!.stage_id;
    const context = await web!.browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([{ name: "session", value: a.token, url: web!.base }]);
    const page = await context.newPage();
    try {
      const board = `${web!.base}/t/${a.slug}/crm/pipelines/${p!.id}/board`;
      await page.goto(board);
      await tabTo(page, `button[aria-label="Move Keyed lighthouse to ${stages[1]!.name}"]`);
      expect((await focused(page)).ring).toBe(true);
      await Promise.all([page.waitForURL(`${board}#deal-${dealId}`), page.keyboard.press("Enter")]);
      expect(await stageOf()).toBe(stages[1]!.id);
      // From the moved card, on to the next stage with Space; then back one with Shift+Tab to ← and Enter.
      await tabTo(page, `button[aria-label="Move Keyed lighthouse to ${stages[2]!.name}"]`);
      await Promise.all([page.waitForURL(`${board}#deal-${dealId}`), page.keyboard.press("Space")]);
      await page.locator(`section.board-col[data-stage="${stages[2]!.id}"] #deal-${dealId}`).waitFor({ timeout: 5000 });
      expect(await stageOf()).toBe(stages[2]!.id);
      await tabTo(page, `button[aria-label="Move Keyed lighthouse to ${stages[1]!.name}"]`, "Shift+Tab");
      await Promise.all([page.waitForURL(`${board}#deal-${dealId}`), page.keyboard.press("Enter")]);
      await page.locator(`section.board-col[data-stage="${stages[1]!.id}"] #deal-${dealId}`).waitFor({ timeout: 5000 });
      expect(await stageOf()).toBe(stages[1]!.id);
    } finally {
      await context.close();
    }
  }, 30_000);

  test.skipIf(!hasChromium)("the weekly schedule assigns a day and changes a person's week with the keyboard alone", async () => {
    const a = await createAccount(t, crawler);
    const crew = await seedCrew(t, a.tenantId, { workers: 1 });
    const worker = crew.workers[0]!;
    const week = async () => [...(await t.su<{ day: string; kind: string; project_id: string | null }[]>`select day::text, kind, project_id from crew_assignments where tenant_id = ${a.tenantId} and employee_id = ${worker} order by day`)];
    const context = await web!.browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: "session", value: a.token, url: web!.base }]);
    const page = await context.newPage();
    try {
      await page.goto(`${web!.base}/t/${a.slug}/crews/schedule?week=2025-W10`);
      await page.locator("#keys:not([hidden])").waitFor({ timeout: 5000 });
      // The grid is one tab stop, on the first person's Monday; arrows move to the worker's Tuesday, 1 assigns the
      // first project of the list (Harbor Bridge, by name).
      await tabTo(page, "#schedule a.c");
      expect((await focused(page)).ring).toBe(true);
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowRight");
      await Promise.all([page.waitForURL(/at=2025-03-04/), page.keyboard.press("1")]);
      expect(await week()).toEqual([{ day: "2025-03-04", kind: "project", project_id: crew.projects[1]! }]);

      // Back on the grid at that day, Enter opens the person's week; its form puts them on PTO Monday to Friday.
      await page.waitForFunction((id) => document.activeElement?.closest("tr")?.id === id, `r-${worker}`, { timeout: 5000 });
      await Promise.all([page.waitForURL(/\/schedule\/cell\?/), page.keyboard.press("Enter")]);
      await tabTo(page, "#f-day");
      await page.keyboard.press("End");
      await tabTo(page, "#f-kind");
      await page.keyboard.press("ArrowDown");
      expect([await page.inputValue("#f-day"), await page.inputValue("#f-kind")]).toEqual(["workweek", "pto"]);
      await tabTo(page, "#assign button[type=submit]");
      await Promise.all([page.waitForURL(/done=week/), page.keyboard.press("Enter")]);
      expect(await week()).toEqual(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"].map((day) => ({ day, kind: "pto", project_id: null })));
    } finally {
      await context.close();
    }
  }, 30_000);
});
