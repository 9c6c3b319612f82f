// Field test (issue 10) of the privacy module's main path, driven like the people involved: someone outside asks
// the workspace to erase their data (the public form and its emailed code), a user asks for a copy of their own
// data from the profile, and the owner works the queue until the erasure has run. Once with JavaScript on a slow
// connection (400 kbit/s, 400 ms RTT), where every main page must be usable within 3 s cold and 1 s warm, and once
// with JavaScript off. Both end with no CSP violation and no console error.
import { afterAll, beforeAll, describe, expect } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";
import { browserTest, expectUsable, flowSteps, hasChromium, SCREENSHOTS, startBrowserApp, type BrowserApp, watchedPage } from "./browser.ts";

describe("field test: the privacy module's main path", () => {
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

  /** A workspace whose CRM knows the person who will ask to be erased. */
  async function seed(tag: string) {
    const a = await createAccount(t, app);
    const email = `erase.me.${tag}@example.com`;
    expect((await a.client.post(`/t/${a.slug}/crm/contacts`, { first_name: "Erin", last_name: "Erase", emails: email })).status).toBe(303);
    return { a, email, queue: `${base}/t/${a.slug}/privacy/requests`, publicForm: `${base}/privacy-requests/${a.slug}` };
  }

  async function walk(s: Awaited<ReturnType<typeof seed>>, js: boolean) {
    const tag = js ? "js" : "nojs";
    const w = await watchedPage(browser, { javaScriptEnabled: js, throttled: js });
    const { page } = w;
    const nav = flowSteps(page, js);
    try {
      // Signed out, the person asks for erasure and confirms their address with the emailed code.
      await page.goto(s.publicForm);
      await page.getByLabel("Delete the personal data you hold about me").check();
      await page.getByLabel("Your email address").fill(s.email);
      await nav.land("Privacy: Send the request", /\/verification$/, "#f-code", () => page.getByRole("button", { name: "Send the request" }).click());
      const requestId = page.url().split("/").at(-2)!;
      const [mail] = await t.su<{ text_body: string }[]>`select text_body from emails where idempotency_key = ${`privacy-code:${requestId}`}`;
      await page.getByLabel("Code").fill(/: (\d{6})\b/.exec(mail!.text_body)![1]!);
      await nav.land("Privacy: Confirm", /\?received=1$/, "main h1", () => page.getByRole("button", { name: "Confirm" }).click());
      const [asked] = await t.su`select type, state from privacy_requests where id = ${requestId}`;
      expect(asked).toEqual({ type: "erasure", state: "pending" });
      await page.screenshot({ path: join(SCREENSHOTS, `flow-privacy-request-${tag}.png`), fullPage: true });

      // The owner signs in (the session cookie) and asks for a copy of their own data from the profile.
      await page.context().addCookies([{ name: "session", value: s.a.token, url: base }]);
      await page.goto(`${base}/profile`);
      await nav.land("Privacy: Request a copy", /\/profile\/data-exports\/[0-9a-f-]{36}\?done=requested$/, "#export-progress", () => page.getByRole("button", { name: "Request a copy" }).click());
      await runDueJobs(t, jobDeps(t));
      if (!js) await nav.land("Privacy: Refresh", /\/profile\/data-exports\/[0-9a-f-]{36}$/, "#export-progress", () => page.getByRole("link", { name: "Refresh" }).click());
      await page.locator("#export-progress", { hasText: "is ready" }).waitFor({ timeout: 15_000 });
      const [exp] = await t.su`select status, kind from data_exports where user_id = ${s.a.user.id}`;
      expect(exp).toEqual({ status: "done", kind: "personal" });
      await page.screenshot({ path: join(SCREENSHOTS, `flow-privacy-my-data-${tag}.png`), fullPage: true });

      // The owner works the queue: open the request, approve it, schedule the erasure; the job erases and completes it,
      // and the page shows it without being reloaded by hand.
      await page.goto(s.queue);
      await nav.land("Privacy: open the request (link)", new RegExp(`/privacy/requests/${requestId}$`), "main .actions", () => page.locator(`main a[href$="/privacy/requests/${requestId}"]`).click());
      await nav.land("Privacy: Approve", /done=approved/, "main .actions", () => page.getByRole("button", { name: "Approve" }).click());
      await nav.land("Privacy: Schedule the erasure", /done=scheduled/, "main .actions", () => page.getByRole("button", { name: "Schedule the erasure" }).click());
      await runDueJobs(t, jobDeps(t));
      // The page follows the job: htmx polls it; without JavaScript, Refresh reloads it (without the flash).
      if (!js) await nav.land("Privacy: Refresh", new RegExp(`/privacy/requests/${requestId}$`), "main h1", () => page.getByRole("link", { name: "Refresh" }).click());
      await page.getByRole("link", { name: "Download the certificate (JSON)" }).waitFor({ timeout: 15_000 });
      expect(await page.locator("main h1").textContent()).toContain("Completed");
      const [done] = await t.su`select state from privacy_requests where id = ${requestId}`;
      expect(done!.state).toBe("completed");
      const left = await t.su`select count(*)::int as n from contacts where tenant_id = ${s.a.tenantId} and ${s.email} = any(emails)`;
      expect(left[0]!.n).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, `flow-privacy-queue-${tag}.png`), fullPage: true });

      nav.done();
      expect(await w.problems()).toEqual({ csp: [], errors: [] });
    } finally {
      await page.context().close();
    }
  }

  browserTest("on a slow connection with JavaScript, each main page is usable in time and the path works with no CSP violation or console error", async () => {
    const s = await seed("js");
    await expectUsable(browser, base, s.a.token, [
      ["Privacy: profile (my data)", `${base}/profile`, "#my-data button"],
      ["Privacy: request queue", s.queue, "main form.search button"],
    ]);
    await expectUsable(browser, base, undefined, [["Privacy: public request form", s.publicForm, "#f-email"]]);
    await walk(s, true);
    const [req] = await t.su<{ id: string }[]>`select id from privacy_requests where tenant_id = ${s.a.tenantId}`;
    const [exp] = await t.su<{ id: string }[]>`select id from data_exports where user_id = ${s.a.user.id}`;
    await expectUsable(browser, base, s.a.token, [
      ["Privacy: a request in the queue", `${s.queue}/${req!.id}`, "main h1"],
      ["Privacy: my data export", `${base}/profile/data-exports/${exp!.id}`, "#export-progress"],
    ]);
  }, 90_000);

  browserTest("with JavaScript off, the same path works through plain forms, redirects and full pages", async () => {
    await walk(await seed("nojs"), false);
  }, 60_000);
});
