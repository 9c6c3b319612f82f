// Field test (issue 10) of the CRM's main path, driven like a user: create a contact, move a deal on the board,
// import a CSV of contacts. Once with JavaScript on a slow connection (400 kbit/s, 400 ms RTT), where every main
// page must be usable within 3 s cold and 1 s warm, and once with JavaScript off (plain forms and redirects).
// Both end with no CSP violation and no console error; screenshots go to test-results/e2e/.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";
import { browserTest, expectUsable, flowSteps, hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

describe("field test: the CRM's main path", () => {
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

  /** A signed-in workspace whose default pipeline holds one deal in its first stage. */
  async function seed(deal: string) {
    const a = await createAccount(t, app);
    await a.client.get(`/t/${a.slug}/crm/pipelines`);
    const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${a.tenantId}`;
    const stages = [...(await t.su<{ id: string; name: string }[]>`select id, name from pipeline_stages where pipeline_id = ${p!.id} order by position`)];
    const dealId = Bun.randomUUIDv7();
    await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, probability, position, created_at, updated_at)
      values (${a.tenantId}, ${dealId}, ${deal}, 250000, 'EUR', ${p!.id}, ${stages[0]!.id}, 10, 1, now(), now())`;
    return { a, stages, dealId, crm: `${base}/t/${a.slug}/crm`, board: `${base}/t/${a.slug}/crm/pipelines/${p!.id}/board` };
  }

  /** The whole path, as one user would walk it; `js` decides whether htmx and board.js are there to help. */
  async function walk(s: Awaited<ReturnType<typeof seed>>, js: boolean) {
    const tag = js ? "js" : "nojs";
    const w = await watchedPage(browser, { javaScriptEnabled: js, throttled: js });
    const { page } = w;
    const nav = flowSteps(page, js);
    try {
      await page.context().addCookies([{ name: "session", value: s.a.token, url: base }]);

      // Create a contact through its form; the 303 lands on the contact's page.
      await page.goto(`${s.crm}/contacts/new`);
      await page.getByLabel("First name").fill("Ada");
      await page.getByLabel("Last name").fill(`Lovelace ${tag}`);
      await page.getByLabel("Email addresses").fill(`ada-${tag}@example.com`);
      await page.getByLabel("Job title").fill("Analyst");
      await nav.land("CRM: Create contact", /\/crm\/contacts\/[0-9a-f-]{36}$/, "main h1", () => page.getByRole("button", { name: "Create contact" }).click());
      expect(await page.locator("main h1").textContent()).toContain(`Ada Lovelace ${tag}`);
      const [contact] = await t.su`select first_name, last_name, emails, title from contacts where tenant_id = ${s.a.tenantId}`;
      expect(contact).toEqual({ first_name: "Ada", last_name: `Lovelace ${tag}`, emails: [`ada-${tag}@example.com`], title: "Analyst" });
      await page.screenshot({ path: join(SCREENSHOTS, `flow-crm-contact-${tag}.png`), fullPage: true });

      // Move the deal one stage on with its → button (a form per card; the keyboard path of the board).
      await page.goto(s.board);
      await nav.land("CRM: move the deal", `${s.board}#deal-${s.dealId}`, `section.board-col[data-stage="${s.stages[1]!.id}"] #deal-${s.dealId}`, () =>
        page.getByRole("button", { name: `Move Harbour deal to ${s.stages[1]!.name}` }).click(),
      );
      const [deal] = await t.su`select stage_id from deals where id = ${s.dealId}`;
      expect(deal!.stage_id).toBe(s.stages[1]!.id);
      await page.screenshot({ path: join(SCREENSHOTS, `flow-crm-board-${tag}.png`), fullPage: true });

      // Import two contacts from a CSV: upload, map (pre-mapped from the header), start, follow the progress.
      await page.goto(`${s.crm}/imports`);
      await page.getByLabel("What the file holds").selectOption("contact");
      await page.getByLabel("CSV file").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from("First name,Last name,Email\nGrace,Hopper,grace@example.com\nKatherine,Johnson,katherine@example.com\n") });
      await nav.land("CRM: Upload and map columns", /\/crm\/imports\/[0-9a-f-]{36}$/, "#mapping", () => page.getByRole("button", { name: "Upload and map columns" }).click());
      await page.getByRole("button", { name: "Save mapping and preview" }).click();
      await page.getByRole("button", { name: "Start import" }).waitFor({ timeout: 15_000 });
      await nav.land("CRM: Start import", /done=started/, "#import-progress", () => page.getByRole("button", { name: "Start import" }).click());
      await runDueJobs(t, jobDeps(t));
      // htmx polls the progress every second; without JavaScript the Refresh link reloads the page.
      if (!js) await nav.land("CRM: Refresh", /\/crm\/imports\/[0-9a-f-]{36}$/, "#import-progress", () => page.getByRole("link", { name: "Refresh" }).click());
      await page.locator("#import-progress h2", { hasText: "Done" }).waitFor({ timeout: 15_000 });
      expect(await page.locator("#import-progress dl").textContent()).toContain("Created2");
      const imported = await t.su`select first_name, last_name from contacts where tenant_id = ${s.a.tenantId} and emails && '{grace@example.com,katherine@example.com}' order by first_name`;
      expect([...imported]).toEqual([
        { first_name: "Grace", last_name: "Hopper" },
        { first_name: "Katherine", last_name: "Johnson" },
      ]);
      await page.screenshot({ path: join(SCREENSHOTS, `flow-crm-import-${tag}.png`), fullPage: true });

      nav.done();
      expect(await w.problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }

  browserTest("on a slow connection with JavaScript, each main page is usable in time and the path works with no CSP violation or console error", async () => {
    const s = await seed("Harbour deal");
    await expectUsable(browser, base, s.a.token, [
      ["CRM: contacts", `${s.crm}/contacts`, "#f-q"],
      ["CRM: new contact", `${s.crm}/contacts/new`, "#f-first_name"],
      ["CRM: pipeline board", s.board, `#deal-${s.dealId} button`],
      ["CRM: import upload", `${s.crm}/imports`, "#f-file"],
    ]);
    await walk(s, true);
    const [contact] = await t.su<{ id: string }[]>`select id from contacts where tenant_id = ${s.a.tenantId} order by created_at limit 1`;
    const [imp] = await t.su<{ id: string }[]>`select id from crm_imports where tenant_id = ${s.a.tenantId}`;
    await expectUsable(browser, base, s.a.token, [
      ["CRM: contact record", `${s.crm}/contacts/${contact!.id}`, "main h1"],
      ["CRM: import report", `${s.crm}/imports/${imp!.id}`, "#import-progress dl"],
    ]);
  }, 90_000);

  browserTest("with JavaScript off, the same path works through plain forms, redirects and full pages", async () => {
    await walk(await seed("Harbour deal"), false);
  }, 60_000);
});
