// The pipeline board in a real browser: a card dragged to another column moves the deal (static/board.js submits
// the card's own move form), the keyboard control works the same way, and neither raises a CSP violation.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";
import { hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

describe("the pipeline board in a real browser", () => {
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

  /** A signed-in workspace with the default pipeline and one deal in its first stage. */
  async function seed(title: string) {
    const a = await createAccount(t, app);
    await a.client.get(`/t/${a.slug}/crm/pipelines`);
    const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${a.tenantId}`;
    const stages = await t.su<{ id: string; name: string }[]>`select id, name from pipeline_stages where pipeline_id = ${p!.id} order by position`;
    const dealId = Bun.randomUUIDv7();
    await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, probability, position, created_at, updated_at)
      values (${a.tenantId}, ${dealId}, ${title}, 250000, 'EUR', ${p!.id}, ${stages[0]!.id}, 10, 1, now(), now())`;
    return { a, pipelineId: p!.id, stages: [...stages], dealId, board: `${base}/t/${a.slug}/crm/pipelines/${p!.id}/board` };
  }

  async function signIn(page: Page, a: Account) {
    await page.context().addCookies([{ name: "session", value: a.token, url: base }]);
  }

  /** The deal's stage in the database. Read after the redirect has landed, so the move has committed. */
  async function stageOf(dealId: string) {
    const [row] = await t.su<{ stage_id: string }[]>`select stage_id from deals where id = ${dealId}`;
    return row!.stage_id;
  }

  test.skipIf(!hasChromium)("dragging a card to another column moves the deal, with no CSP violation", async () => {
    const s = await seed("Dragged lighthouse");
    const { page, problems } = await watchedPage(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await signIn(page, s.a);
      await page.goto(s.board);
      const card = page.locator(`#deal-${s.dealId}`);
      await page.locator(`#deal-${s.dealId}[draggable=true]`).waitFor({ timeout: 5000 });
      const target = page.locator(`section.board-col[data-stage="${s.stages[2]!.id}"]`);
      await Promise.all([page.waitForURL(`${s.board}#deal-${s.dealId}`, { timeout: 5000 }), card.dragTo(target)]);
      expect(await stageOf(s.dealId)).toBe(s.stages[2]!.id);
      await page.locator(`section.board-col[data-stage="${s.stages[2]!.id}"] #deal-${s.dealId}`).waitFor({ timeout: 5000 });
      await page.screenshot({ path: join(SCREENSHOTS, "board-dragged.png"), fullPage: true });
      const [event] = await t.su`select changes from audit_events where action = 'deal.moved' and target_id = ${s.dealId}`;
      expect(event!.changes.stage).toEqual({ from: s.stages[0]!.name, to: s.stages[2]!.name });
      expect(await problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  });

  test.skipIf(!hasChromium)("with JavaScript off, the card's → button moves the deal by keyboard", async () => {
    const s = await seed("Keyboard lighthouse");
    const { page } = await watchedPage(browser, { javaScriptEnabled: false });
    try {
      await signIn(page, s.a);
      await page.goto(s.board);
      expect(await page.locator(`#deal-${s.dealId}`).getAttribute("draggable")).toBeNull();
      await page.getByRole("button", { name: `Move Keyboard lighthouse to ${s.stages[1]!.name}` }).focus();
      await Promise.all([page.waitForURL(`${s.board}#deal-${s.dealId}`, { timeout: 5000 }), page.keyboard.press("Enter")]);
      expect(await stageOf(s.dealId)).toBe(s.stages[1]!.id);
      await page.locator(`section.board-col[data-stage="${s.stages[1]!.id}"] #deal-${s.dealId}`).waitFor({ timeout: 5000 });
    } finally {
      await page.context().close();
    }
  });
});
