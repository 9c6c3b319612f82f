import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { smtpMailer } from "../../../src/domain/mail/transport.ts";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { startSmtp } from "../../support/smtp.ts";

const t = useTestDatabase();
let clock = new Date("2026-03-02T10:00:00Z");
const tick = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};
let app: App;
let owner: Account;
let seller: Account;

const forms = () => `/t/${owner.slug}/crm/forms`;
const idFrom = (res: Response) => /\/forms\/([0-9a-f-]{36})/.exec(res.headers.get("location") ?? "")?.[1] ?? "";
const unescape = (s: string) => s.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
/** The hidden inputs of a page, as a browser would post them. */
function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) out[m[1]!] = unescape(m[2]!);
  return out;
}
const leadsOf = (tenantId: string) =>
  t.su<Record<string, any>[]>`select id, name, email, phone, source, owner_id, status, utm_source, utm_medium, utm_campaign, utm_term, utm_content, referrer, custom, created_by
    from leads where tenant_id = ${tenantId} order by created_at, id`;

async function makeForm(over: Record<string, string> = {}, fields: string[] = ["email", "phone"]): Promise<{ id: string; slug: string }> {
  const slug = over.slug ?? `form-${crypto.randomUUID().slice(0, 8)}`;
  const body = new URLSearchParams({ name: "Contact us", slug, source: "Website", owner_id: "", thank_you: "Thanks, we will call you.", redirect_url: "", min_seconds: "3", active: "1", ...over });
  for (const f of fields) body.append("fields", f);
  const res = await owner.client.post(forms(), body);
  expect(res.status).toBe(303);
  return { id: idFrom(res), slug };
}

/** A visitor lands on the form (fresh client: no cookie, own address), waits, fills it in and sends it. */
async function visitAndSend(path: string, fill: Record<string, string>, opts: { referer?: string; wait?: number; visitor?: Client } = {}) {
  const visitor = opts.visitor ?? new Client(app);
  const page = await visitor.get(path, opts.referer ? { referer: opts.referer } : undefined);
  expect(page.status).toBe(200);
  const hidden = hiddenFields(await page.text());
  tick(opts.wait ?? 5);
  const res = await visitor.post(path.split("?")[0]!, { ...hidden, ...fill });
  return { visitor, hidden, res };
}

beforeAll(async () => {
  app = testApp({ db: t.db, now: () => clock });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  seller = await createAccount(t, app, { name: "Sam Seller", email: `sam-${crypto.randomUUID().slice(0, 6)}@example.com` });
  await addMember(t, owner.tenantId, seller.user.id, "member");
});

describe("P25 public lead forms record the visit's attribution", () => {
  test("P25 a lead from a public form records the UTM parameters and the referrer of the landing visit, with no JavaScript and no cookie", async () => {
    const form = await makeForm();
    const path = `/f/${owner.slug}/${form.slug}?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2026&utm_term=concrete&utm_content=banner-a`;
    const { visitor, hidden, res } = await visitAndSend(path, { name: "Ada Visitor", email: "ada@visitor.example", phone: "+1 555 0100" }, { referer: "https://news.example/issue/12?x=1" });
    expect(hidden).toMatchObject({ utm_source: "newsletter", utm_medium: "email", utm_campaign: "spring-2026", utm_term: "concrete", utm_content: "banner-a", referrer: "https://news.example/issue/12?x=1" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/f/${owner.slug}/${form.slug}/thanks`);
    expect(visitor.cookies.size).toBe(0);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "ada@visitor.example");
    expect(lead).toMatchObject({
      name: "Ada Visitor",
      phone: "+1 555 0100",
      source: "Website",
      status: "new",
      utm_source: "newsletter",
      utm_medium: "email",
      utm_campaign: "spring-2026",
      utm_term: "concrete",
      utm_content: "banner-a",
      referrer: "https://news.example/issue/12?x=1",
      created_by: null,
    });
    const [sub] = await t.su`select form_id, utm_campaign, referrer from lead_form_submissions where lead_id = ${lead!.id}`;
    expect(sub).toEqual({ form_id: form.id, utm_campaign: "spring-2026", referrer: "https://news.example/issue/12?x=1" });
    // Audited with no actor: a visitor is nobody's account.
    const events = await t.su`select action, actor_type, actor_id from audit_events where tenant_id = ${owner.tenantId} and (target_id = ${lead!.id} or (action = 'lead_form.submitted' and changes->>'lead_id' = ${lead!.id})) order by seq`;
    expect([...events]).toEqual([
      { action: "lead.created", actor_type: "anonymous", actor_id: null },
      { action: "lead_form.submitted", actor_type: "anonymous", actor_id: null },
    ]);
    // The lead's page shows its attribution to the team.
    const html = await (await owner.client.get(`/t/${owner.slug}/crm/leads/${lead!.id}`)).text();
    for (const v of ["newsletter", "spring-2026", "banner-a", "https://news.example/issue/12?x=1"]) expect(html).toContain(v);
  });

  test("P25 the embed snippet posts from another site and records the UTM values its page passes in", async () => {
    const form = await makeForm();
    const admin = await (await owner.client.get(`${forms()}/${form.id}`)).text();
    const snippet = unescape(/<textarea id="f-embed"[^>]*>([\s\S]*?)<\/textarea>/.exec(admin)![1]!);
    expect(snippet).toContain(`action="http://localhost:3000/f/${owner.slug}/${form.slug}"`);
    expect(snippet).toContain('name="website"');
    const hidden = hiddenFields(snippet);
    expect(Object.keys(hidden).sort()).toEqual(["_t", "referrer", "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term"]);
    // What the optional script (or the page's own markup) puts in the hidden fields, posted cross-site as a browser does.
    const visitor = new Client(app);
    tick(3600);
    const res = await visitor.post(`/f/${owner.slug}/${form.slug}`, { ...hidden, name: "Embedded Eve", email: "eve@embed.example", utm_source: "partner-site", utm_medium: "referral", utm_campaign: "fall", referrer: "https://search.example/?q=steward" }, {
      origin: "https://www.customer-site.example",
      "sec-fetch-site": "cross-site",
    });
    expect(res.status).toBe(303);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "eve@embed.example");
    expect(lead).toMatchObject({ utm_source: "partner-site", utm_medium: "referral", utm_campaign: "fall", utm_term: null, referrer: "https://search.example/?q=steward" });
  });

  test("P25 attribution is capped to the lead's limits and a referrer that is not a web address is dropped, never refused", async () => {
    const form = await makeForm();
    const long = "x".repeat(500);
    const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}?utm_source=${long}&utm_campaign=%00evil`, { name: "Capped Carl", email: "carl@capped.example", referrer: "javascript:alert(1)" });
    expect(res.status).toBe(303);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "carl@capped.example");
    expect(lead!.utm_source).toBe("x".repeat(200));
    expect(lead!.utm_campaign).toBe("evil");
    expect(lead!.referrer).toBeNull();
  });
});

describe("the public page", () => {
  test("sets no cookie, even for a signed-in member or a stale session, and sends the strict CSP", async () => {
    const form = await makeForm();
    const path = `/f/${owner.slug}/${form.slug}`;
    const stale = new Client(app);
    stale.cookies.set("session", "not-a-real-session.token");
    for (const client of [new Client(app), owner.client, stale]) {
      const res = await client.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([]);
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      const html = await res.text();
      expect(html).not.toContain("<script");
      expect(html).not.toContain("style=");
      expect(html.length).toBeLessThan(15_000);
    }
    const posted = await stale.post(path, { name: "x" });
    expect(posted.headers.getSetCookie()).toEqual([]);
  });

  test("P09 an unknown workspace or form, another workspace's form, an inactive form and a malformed address are the same 404", async () => {
    const off = await makeForm({ active: "" });
    const b = await createAccount(t, app);
    const theirs = await b.client.post(`/t/${b.slug}/crm/forms`, new URLSearchParams({ name: "Theirs", slug: "only-in-b", min_seconds: "0", active: "1", fields: "email" }));
    expect(theirs.status).toBe(303);
    expect((await new Client(app).get(`/f/${b.slug}/only-in-b`)).status).toBe(200);
    for (const path of [`/f/${owner.slug}/only-in-b`, `/f/${owner.slug}/${off.slug}`, `/f/${owner.slug}/no-such-form`, `/f/no-such-ws/${off.slug}`, `/f/${owner.slug}/BAD%20FORM`]) {
      expect((await new Client(app).get(path)).status).toBe(404);
      expect((await new Client(app).post(path, { name: "x" })).status).toBe(404);
    }
  });

  test("P16 a cancelled workspace's forms take nothing: the page and the post are 404", async () => {
    const c = await createAccount(t, app);
    expect((await c.client.post(`/t/${c.slug}/crm/forms`, new URLSearchParams({ name: "Closing", slug: "closing", min_seconds: "0", active: "1", fields: "email" }))).status).toBe(303);
    const path = `/f/${c.slug}/closing`;
    const hidden = hiddenFields(await (await new Client(app).get(path)).text());
    await t.su`update tenants set status = 'cancelled', cancelled_at = now(), purge_after = now() + interval '30 days' where id = ${c.tenantId}`;
    expect((await new Client(app).get(path)).status).toBe(404);
    expect((await new Client(app).post(path, { ...hidden, name: "Late Larry" })).status).toBe(404);
    expect((await t.su`select count(*)::int as n from leads where tenant_id = ${c.tenantId}`)[0]!.n).toBe(0);
  });

  test("bad input re-renders the form with the message and keeps the attribution; nothing is saved", async () => {
    const form = await makeForm();
    const before = (await leadsOf(owner.tenantId)).length;
    const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}?utm_source=ads`, { name: "", email: "not-an-email" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter the lead&#39;s name.");
    expect(html).toContain("Enter an email address like name@example.com.");
    expect(hiddenFields(html).utm_source).toBe("ads");
    expect((await leadsOf(owner.tenantId)).length).toBe(before);
  });

  test("fields the form does not ask for are ignored; its custom fields are saved on the lead", async () => {
    const field = await owner.client.post(`/t/${owner.slug}/crm/fields`, { object: "lead", label: "Budget band", type: "select", options: "Small\nLarge", required: "" });
    expect(field.status).toBe(303);
    const form = await makeForm({}, ["email", "cf_budget_band"]);
    const page = await (await new Client(app).get(`/f/${owner.slug}/${form.slug}`)).text();
    expect(page).toContain('name="cf_budget_band"');
    expect(page).not.toContain('name="phone"');
    const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}`, { name: "Bea Budget", email: "bea@budget.example", cf_budget_band: "Large", phone: "999", status: "qualified", owner_id: owner.user.id, source: "forged" });
    expect(res.status).toBe(303);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "bea@budget.example");
    expect(lead).toMatchObject({ phone: null, status: "new", owner_id: null, source: "Website", custom: { budget_band: "Large" } });
  });

  test("a custom field made required after the form was saved is asked on the page and saved on the lead", async () => {
    const form = await makeForm({}, ["email"]);
    expect((await owner.client.post(`/t/${owner.slug}/crm/fields`, { object: "lead", label: "Postcode", type: "text", required: "1" })).status).toBe(303);
    const refused = await visitAndSend(`/f/${owner.slug}/${form.slug}`, { name: "Pia Postcode", email: "pia@postcode.example" });
    expect(refused.res.status).toBe(422);
    expect(await refused.res.text()).toContain('name="cf_postcode"');
    const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}`, { name: "Pia Postcode", email: "pia@postcode.example", cf_postcode: "1010" });
    expect(res.status).toBe(303);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "pia@postcode.example");
    expect(lead!.custom).toMatchObject({ postcode: "1010" });
    // Later forms on this workspace ask for it too: remove it again so the other tests' forms stay as they are.
    await t.su`delete from custom_field_definitions where tenant_id = ${owner.tenantId} and key = 'postcode'`;
  });

  test("the thank-you page shows the form's message; a form with a redirect sends people on to it", async () => {
    const plain = await makeForm({ thank_you: "We got it <b>fast</b>." });
    const thanks = await (await new Client(app).get(`/f/${owner.slug}/${plain.slug}/thanks`)).text();
    expect(thanks).toContain("We got it &lt;b&gt;fast&lt;/b&gt;.");
    const onward = await makeForm({ redirect_url: "https://www.example.com/welcome?from=form" });
    const res = await new Client(app).get(`/f/${owner.slug}/${onward.slug}/thanks`);
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain('<meta http-equiv="refresh" content="0; url=https://www.example.com/welcome?from=form"/>'.replace("?from", "?from"));
    expect(html).toContain('href="https://www.example.com/welcome?from=form"');
  });
});

describe("bad input never gives a 5xx", () => {
  test("odd bodies to the public form answer 303 or 422 and never save half a lead", async () => {
    const field = await owner.client.post(`/t/${owner.slug}/crm/fields`, { object: "lead", label: "Seats", type: "number", required: "" });
    expect(field.status).toBe(303);
    const form = await makeForm({ min_seconds: "0" }, ["email", "phone", "company_name", "cf_seats"]);
    const path = `/f/${owner.slug}/${form.slug}`;
    const hidden = hiddenFields(await (await new Client(app).get(path)).text());
    const before = (await leadsOf(owner.tenantId)).length;
    const dup = new URLSearchParams({ ...hidden, name: "Dup" });
    dup.append("name", "Second");
    dup.append("cf_seats", "1");
    dup.append("cf_seats", "2");
    const multipart = new FormData();
    for (const [k, v] of Object.entries(hidden)) multipart.append(k, v);
    multipart.append("name", new File(["<html>"], "x.html", { type: "text/html" }));
    const bodies: (Record<string, string> | URLSearchParams | FormData | string)[] = [
      { ...hidden, name: "N".repeat(100_000) },
      { ...hidden, name: "Nul\u0000name", email: "a\u0000@b.example" },
      { ...hidden, name: "Seats", cf_seats: "1e999" },
      { ...hidden, name: "Long utm", utm_source: "u".repeat(50_000), referrer: `https://x.example/${"r".repeat(5000)}` },
      { ...hidden, _t: "9".repeat(400) },
      dup,
      multipart,
      JSON.stringify({ name: "json" }),
    ];
    let created = 0;
    for (const body of bodies) {
      const res = await new Client(app).request("POST", path, typeof body === "string" ? { body, headers: { "content-type": "application/json" } } : { body });
      expect([303, 422]).toContain(res.status);
      if (res.status === 422) expect(await res.text()).not.toMatch(/at .*\.tsx?:\d+/);
      if (res.status === 303) created++;
    }
    const after = await leadsOf(owner.tenantId);
    // Created: the duplicate fields (one value of each counts) and the over-long attribution (capped); the rest refused or ignored.
    expect(after.length - before).toBeLessThanOrEqual(created);
    const capped = after.find((l) => l.name === "Long utm");
    expect(capped?.utm_source).toBe("u".repeat(200));
    expect(capped?.referrer).toBeNull();
    expect(after.find((l) => l.name === "Dup" || l.name === "Second")?.custom).toEqual({ seats: 1 });
    await t.su`delete from custom_field_definitions where tenant_id = ${owner.tenantId} and key = 'seats'`;
  });
});

describe("spam is stopped without third parties", () => {
  test("the honeypot, a post faster than the minimum time and a missing or foreign token all look like success and create nothing", async () => {
    const form = await makeForm({ min_seconds: "4" });
    const other = await makeForm();
    const path = `/f/${owner.slug}/${form.slug}`;
    const before = (await leadsOf(owner.tenantId)).length;
    const honeypot = await visitAndSend(path, { name: "Bot One", email: "bot1@spam.example", website: "http://spam.example" });
    const fast = await visitAndSend(path, { name: "Bot Two", email: "bot2@spam.example" }, { wait: 2 });
    const noToken = await new Client(app).post(path, { name: "Bot Three", email: "bot3@spam.example" });
    const foreign = hiddenFields(await (await new Client(app).get(`/f/${owner.slug}/${other.slug}`)).text());
    tick(10);
    const wrongForm = await new Client(app).post(path, { ...foreign, name: "Bot Four", email: "bot4@spam.example" });
    const forged = await new Client(app).post(path, { _t: `${clock.getTime() - 60_000}.${"0".repeat(64)}`, name: "Bot Five", email: "bot5@spam.example" });
    for (const res of [honeypot.res, fast.res, noToken, wrongForm, forged]) {
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`${path}/thanks`);
    }
    expect((await leadsOf(owner.tenantId)).length).toBe(before);
    // A person who took their time gets through on the same form.
    const human = await visitAndSend(path, { name: "Patient Person", email: "patient@example.com" }, { wait: 4 });
    expect(human.res.status).toBe(303);
    expect((await leadsOf(owner.tenantId)).length).toBe(before + 1);
  });

  test("one address is limited to 20 posts in 10 minutes, across forms, with Retry-After", async () => {
    const form = await makeForm();
    const visitor = new Client(app);
    const path = `/f/${owner.slug}/${form.slug}`;
    for (let i = 0; i < 20; i++) expect((await visitor.post(path, { name: "Flood" })).status).toBe(303);
    const res = await visitor.post(path, { name: "Flood" });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await new Client(app).post(path, { name: "Flood" })).status).toBe(303);
  });
});

describe("owner notification", () => {
  test("a form that notifies its owner emails them a link to the new lead, once, over SMTP; the lead is theirs", async () => {
    const smtp = await startSmtp();
    const mailer = smtpMailer(smtp.url);
    try {
      const form = await makeForm({ owner_id: seller.user.id, notify_owner: "1", name: "Quote request" });
      const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}`, { name: "Nora Notify", email: "nora@notify.example" });
      expect(res.status).toBe(303);
      const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "nora@notify.example")!;
      expect(lead.owner_id).toBe(seller.user.id);
      const jobs = await t.su`select payload::text from graphile_worker._private_jobs`;
      expect(JSON.stringify(jobs)).not.toContain("nora");
      await runDueJobs(t, jobDeps(t, { mailer }));
      await runDueJobs(t, jobDeps(t, { mailer }));
      const notices = smtp.messages.filter((m) => m.subject === "New lead from the form Quote request");
      expect(notices.length).toBe(1);
      const mail = notices[0]!;
      expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe(seller.user.email);
      expect(mail.text).toContain(`http://localhost:3000/t/${owner.slug}/crm/leads/${lead.id}`);
      // The lead's details stay in Steward.
      expect(mail.text).not.toContain("nora@notify.example");
    } finally {
      mailer.close();
      await smtp.close();
    }
  }, 30_000);

  test("an owner who has left the workspace gets no lead and no email", async () => {
    const leaver = await memberOf(t, app, owner, "member");
    const form = await makeForm({ owner_id: leaver.user.id, notify_owner: "1" });
    await t.su`delete from memberships where tenant_id = ${owner.tenantId} and user_id = ${leaver.user.id}`;
    const { res } = await visitAndSend(`/f/${owner.slug}/${form.slug}`, { name: "Orphan Olga", email: "olga@orphan.example" });
    expect(res.status).toBe(303);
    const lead = (await leadsOf(owner.tenantId)).find((l) => l.email === "olga@orphan.example")!;
    expect(lead.owner_id).toBeNull();
    const mails = await t.su`select count(*)::int as n from emails where idempotency_key = ${`lead-form:${lead.id}`}`;
    expect(mails[0]!.n).toBe(0);
  });
});
