// Public lead forms in a real browser (P25): a visitor arrives from another site with UTM parameters, with
// JavaScript off; an embedded snippet on another site with the self-hosted script; and a redirect after sending.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chromium, type Browser } from "playwright-core";
import { EMBED_SCRIPT, embedSnippet } from "../../src/views/leadforms/forms.tsx";
import { signToken } from "../../src/domain/leadforms/public.ts";
import type { LeadForm } from "../../src/domain/leadforms/forms.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";
import { CHROMIUM, hasChromium, LAUNCH_ARGS, watchedPage } from "./browser.ts";

describe("public lead forms in a real browser", () => {
  let steward: ReturnType<typeof Bun.serve>;
  let site: ReturnType<typeof Bun.serve>;
  let browser: Browser;
  let base: string;
  let owner: Account;
  let snippet = "";
  const t = hasChromium ? useTestDatabase() : null;
  const leadBy = async (email: string) => (await t!.su`select utm_source, utm_medium, utm_campaign, referrer from leads where email = ${email}`)[0];

  if (hasChromium) {
    beforeAll(async () => {
      const app = testApp({ db: t!.db, env: { TRUST_PROXY: "false" } });
      steward = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => app.fetch(req, srv) });
      base = `http://127.0.0.1:${steward.port}`;
      // Another site (another origin: another port) with a strict CSP of its own, linking to and embedding the form.
      site = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: (req) => {
          const url = new URL(req.url);
          const headers = { "content-security-policy": "default-src 'self'; script-src 'self'; form-action *", "content-type": "text/html; charset=utf-8" };
          if (url.pathname === "/steward-form.js") return new Response(EMBED_SCRIPT, { headers: { ...headers, "content-type": "text/javascript" } });
          if (url.pathname === "/blog") return new Response(`<!DOCTYPE html><title>Blog</title><a id="go" href="${base}/f/${owner.slug}/contact?utm_source=blog&utm_medium=organic&utm_campaign=launch">Contact</a>`, { headers });
          if (url.pathname === "/landing") return new Response(`<!DOCTYPE html><title>Landing</title>${snippet}<script src="/steward-form.js"></script>`, { headers });
          return new Response(`<!DOCTYPE html><title>Welcome</title><h1>Welcome page</h1>`, { headers });
        },
      });
      owner = await createAccount(t!, app);
      for (const [slug, redirect] of [["contact", ""], ["onward", `http://127.0.0.1:${site.port}/welcome`]] as const) {
        const body = new URLSearchParams({ name: "Contact us", slug, source: "Website", min_seconds: "0", active: "1", redirect_url: redirect, fields: "email" });
        expect((await owner.client.post(`/t/${owner.slug}/crm/forms`, body)).status).toBe(303);
      }
      const [row] = await t!.su<(LeadForm & { signing_key: Uint8Array })[]>`select * from lead_forms where slug = 'contact' and tenant_id = ${owner.tenantId}`;
      snippet = embedSnippet(row!, [], `${base}/f/${owner.slug}/contact`, signToken({ form: row!, signingKey: row!.signing_key }, new Date()));
      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await steward?.stop(true);
      await site?.stop(true);
    });
  }

  test.skipIf(!hasChromium)("P25 with JavaScript off, a visitor from another site leaves a lead with the link's UTM parameters and that site as referrer, and no cookie", async () => {
    const { page } = await watchedPage(browser, { javaScriptEnabled: false });
    try {
      await page.goto(`http://127.0.0.1:${site.port}/blog`);
      await Promise.all([page.waitForURL(/\/f\//), page.click("#go")]);
      await page.fill("#f-name", "Browser Bea");
      await page.fill("#f-email", "bea@browser.example");
      await Promise.all([page.waitForURL(/\/thanks$/), page.click("main button[type=submit]")]);
      expect(await page.locator("h1").textContent()).toBe("Thank you");
      expect(await leadBy("bea@browser.example")).toEqual({ utm_source: "blog", utm_medium: "organic", utm_campaign: "launch", referrer: `http://127.0.0.1:${site.port}/` });
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  test.skipIf(!hasChromium)("P25 the embed snippet with the self-hosted script posts across sites and records the landing page's UTM parameters, with no CSP violation", async () => {
    const { page, problems } = await watchedPage(browser);
    try {
      await page.goto(`http://127.0.0.1:${site.port}/landing?utm_source=partner&utm_medium=embed&utm_campaign=autumn`);
      expect(await page.inputValue("input[name=utm_source]")).toBe("partner");
      await page.fill("#f-name", "Embedded Emil");
      await page.fill("#f-email", "emil@embed.example");
      await Promise.all([page.waitForURL(/\/thanks$/), page.click("button[type=submit]")]);
      expect(await leadBy("emil@embed.example")).toMatchObject({ utm_source: "partner", utm_medium: "embed", utm_campaign: "autumn" });
      expect(await problems()).toEqual({ csp: [], errors: [] });
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  test.skipIf(!hasChromium)("a form with a redirect address sends the visitor on to it after sending, under the strict CSP", async () => {
    const { page, problems } = await watchedPage(browser);
    try {
      await page.goto(`${base}/f/${owner.slug}/onward`);
      await page.fill("#f-name", "Onward Otto");
      await page.fill("#f-email", "otto@onward.example");
      await Promise.all([page.waitForURL(`http://127.0.0.1:${site.port}/welcome`), page.click("main button[type=submit]")]);
      expect(await page.locator("h1").textContent()).toBe("Welcome page");
      expect(await problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  });
});
