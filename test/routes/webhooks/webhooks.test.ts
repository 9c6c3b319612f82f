import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { createTaskList } from "../../../src/jobs/index.ts";
import { webhookDeliver } from "../../../src/jobs/webhooks/webhook-deliver.ts";
import { MAX_ATTEMPTS } from "../../../src/domain/webhooks/deliveries.ts";
import { isPrivateAddress, urlProblem } from "../../../src/domain/webhooks/targets.ts";
import { testApp, testConfig } from "../../support/app.ts";
import { webhookSettings } from "../../../src/domain/webhooks/settings.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, makeJobsDue, runDueJobs } from "../../support/jobs.ts";
import { api, createKey } from "../api/support.ts";

const t = useTestDatabase();

// The README's verification recipe, run as written: a receiver following the docs must accept our signatures.
type Verify = (secret: string, header: string, rawBody: string, nowSeconds?: number, tolerance?: number) => boolean;
let verifySteward: Verify;
beforeAll(async () => {
  const readme = await Bun.file(join(import.meta.dir, "../../../README.md")).text();
  const code = /<!-- webhook-verify[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeTruthy();
  const file = join(mkdtempSync(join(tmpdir(), "wh-")), "verify.mjs");
  writeFileSync(file, code!);
  verifySteward = (await import(file)).verifySteward;
});

// A real local receiver. Each request takes the next scripted answer (default 200), records what arrived.
interface Received {
  headers: Headers;
  body: string;
}
const received: Received[] = [];
const script: { status?: number; delayMs?: number; location?: string }[] = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const body = await req.text();
    received.push({ headers: req.headers, body });
    const step = script.shift() ?? {};
    if (step.delayMs) await Bun.sleep(step.delayMs);
    return new Response(step.status === 500 ? "boom: receiver broke" : "ok", { status: step.status ?? 200, headers: step.location ? { location: step.location } : {} });
  },
});
afterAll(() => server.stop(true));
const hookUrl = (path = "/hook") => `http://127.0.0.1:${server.port}${path}`;

// One clock for the app and the worker: retries are reached by moving it, not by sleeping.
// It starts at the real time, so the queue (whose run_at is in database time) sees retries as not yet due.
let clock = new Date(Math.floor(Date.now() / 1000) * 1000);
const SETTINGS = { timeoutMs: 300, allowPrivate: true };

async function setup() {
  const app = testApp({ db: t.db, now: () => clock });
  const a = await createAccount(t, app);
  const deps = jobDeps(t, { now: () => clock });
  const tasks = { ...createTaskList(deps), "webhook-deliver": webhookDeliver(deps, SETTINGS) };
  const run = () => runDueJobs(t, deps, tasks);
  return { app, a, run, base: `/t/${a.slug}/settings/webhooks`, crm: `/t/${a.slug}/crm` };
}

const ALL_EVENTS = ["contact.created", "contact.updated", "contact.deleted", "company.created", "deal.created", "deal.updated", "deal.stage_changed", "lead.created"];

async function subscribe(a: Account, url = hookUrl(), events = ALL_EVENTS): Promise<{ id: string; secret: string }> {
  const body: Record<string, string> = { url, description: "CRM sync", active: "1" };
  for (const e of events) body[`event.${e}`] = "1";
  const res = await a.client.post(`/t/${a.slug}/settings/webhooks`, body);
  expect(res.status).toBe(201);
  const html = await res.text();
  const secret = /<code id="webhook-secret">([^<]+)<\/code>/.exec(html)![1]!;
  const [row] = await t.su<{ id: string }[]>`select id from webhook_subscriptions where tenant_id = ${a.tenantId} order by created_at desc, id desc limit 1`;
  return { id: row!.id, secret };
}

let contacts = 0;
async function createContact(s: { a: Account; crm: string }) {
  const res = await s.a.client.post(`${s.crm}/contacts`, { first_name: "Priya", last_name: "Secretname", emails: `priya.private${++contacts}@example.com`, phones: "+44 7700 900123", title: "Buyer" });
  expect(res.status).toBe(303);
  return res.headers.get("location")!.split("/").pop()!;
}

const payloads = (from = 0) => received.slice(from).map((r) => JSON.parse(r.body) as { id: string; type: string; record: { type: string; id: string }; changed: string[]; values: Record<string, unknown> });
const deliveries = (subscriptionId: string) =>
  t.su<{ id: string; status: string; attempts: number; response_code: number | null; error: string | null; next_attempt_at: Date | null; response_excerpt: string | null }[]>`
    select id, status, attempts, response_code, error, next_attempt_at, response_excerpt from webhook_deliveries where subscription_id = ${subscriptionId} order by id`;

describe("outbound webhooks", () => {
  test("a signed contact.created arrives after a contact is created through the app, and the README recipe verifies it", async () => {
    const s = await setup();
    const sub = await subscribe(s.a);
    const from = received.length;
    const contactId = await createContact(s);
    await s.run();
    const got = received.slice(from);
    expect(got.length).toBe(1);
    const [p] = payloads(from);
    expect(p!.type).toBe("contact.created");
    expect(p!.record).toEqual({ type: "contact", id: contactId });
    expect(got[0]!.headers.get("steward-event-id")).toBe(p!.id);
    const header = got[0]!.headers.get("steward-signature")!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = clock.getTime() / 1000;
    expect(verifySteward(sub.secret, header, got[0]!.body, now)).toBe(true);
    // The recipe refuses a wrong secret, a changed body and a replay an hour later.
    expect(verifySteward(sub.secret + "x", header, got[0]!.body, now)).toBe(false);
    expect(verifySteward(sub.secret, header, got[0]!.body.replace("contact", "company"), now)).toBe(false);
    expect(verifySteward(sub.secret, header, got[0]!.body, now + 3600)).toBe(false);
    expect((await deliveries(sub.id))[0]).toMatchObject({ status: "succeeded", attempts: 1, response_code: 200 });
  });

  test("personal values never appear in payloads: changed fields are named, only non-personal values are sent", async () => {
    const s = await setup();
    await subscribe(s.a);
    const from = received.length;
    const contactId = await createContact(s);
    const companyRes = await s.a.client.post(`${s.crm}/companies`, { name: "Acme Ltd", domain: "acme.example", address: "1 Private Lane" });
    expect(companyRes.status).toBe(303);
    const update = await s.a.client.post(`${s.crm}/contacts/${contactId}`, { first_name: "Priya", last_name: "Othername", emails: `priya.private${contacts}@example.com`, phones: "", title: "Buyer" });
    expect(update.status).toBe(303);
    await s.run();
    const bodies = received.slice(from).map((r) => r.body).join("\n");
    for (const personal of ["Priya", "Secretname", "Othername", "priya.private", "7700", "Private Lane"]) expect(bodies).not.toContain(personal);
    const updated = payloads(from).find((p) => p.type === "contact.updated")!;
    expect(updated.record.id).toBe(contactId);
    expect(updated.changed).toContain("last_name");
    expect(updated.changed).toContain("phones");
    expect(updated.values).toEqual({});
    // Non-personal columns travel with their values (a company's name and domain are not personal data).
    const company = payloads(from).find((p) => p.type === "company.created")!;
    expect(company.values.domain).toBe("acme.example");
    expect(company.changed).toContain("address");
    expect(company.values.address).toBeUndefined();
  });

  test("deal created, stage changed and contact deleted arrive as their events", async () => {
    const s = await setup();
    const sub = await subscribe(s.a);
    expect((await s.a.client.get(`${s.crm}/deals`)).status).toBe(200);
    const [p] = await t.su<{ id: string }[]>`select id from pipelines where tenant_id = ${s.a.tenantId}`;
    const stages = await t.su<{ id: string }[]>`select id from pipeline_stages where pipeline_id = ${p!.id} order by position`;
    const created = await s.a.client.post(`${s.crm}/deals`, { title: "Renewal", amount: "100", currency: "EUR", pipeline_id: p!.id, stage_id: stages[0]!.id });
    expect(created.status).toBe(303);
    const dealId = /\/deals\/([0-9a-f-]{36})/.exec(created.headers.get("location")!)![1]!;
    expect((await s.a.client.post(`${s.crm}/deals/${dealId}/stage`, { stage_id: stages[1]!.id })).status).toBe(303);
    const contactId = await createContact(s);
    expect((await s.a.client.post(`${s.crm}/contacts/${contactId}/deletion`)).status).toBe(303);
    const from = received.length;
    await s.run();
    const got = payloads(from);
    expect(got.map((x) => x.type).sort()).toEqual(["contact.created", "contact.deleted", "deal.created", "deal.stage_changed"]);
    const moved = got.find((x) => x.type === "deal.stage_changed")!;
    expect(moved.record).toEqual({ type: "deal", id: dealId });
    expect(moved.values.stage_id).toEqual({ from: stages[0]!.id, to: stages[1]!.id });
    expect(got.find((x) => x.type === "contact.deleted")!.record.id).toBe(contactId);
    expect((await deliveries(sub.id)).every((d) => d.status === "succeeded")).toBe(true);
  });

  test("changes made through the REST API emit the same events as the forms", async () => {
    const s = await setup();
    await subscribe(s.a, hookUrl(), ["company.created", "company.updated", "company.deleted"]);
    const key = await createKey(s.a);
    const created = await api(s.app, key, "POST", "/companies", { name: "Api Co", domain: "api.example" });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await api(s.app, key, "PATCH", `/companies/${id}`, { industry: "Tools" })).status).toBe(200);
    expect((await api(s.app, key, "DELETE", `/companies/${id}`)).status).toBe(204);
    const from = received.length;
    await s.run();
    const got = payloads(from);
    expect(got.map((p) => p.type).sort()).toEqual(["company.created", "company.deleted", "company.updated"]);
    expect(got.every((p) => p.record.id === id)).toBe(true);
    expect(got.find((p) => p.type === "company.updated")!.values).toEqual({ industry: { from: null, to: "Tools" } });
  });

  test("a delivery answered 500, then timing out, is retried with backoff and succeeds later", async () => {
    const s = await setup();
    const sub = await subscribe(s.a, hookUrl(), ["contact.created"]);
    await createContact(s);
    const from = received.length;
    script.push({ status: 500 });
    await s.run();
    let [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: "retrying", attempts: 1, response_code: 500, error: "HTTP 500", response_excerpt: "boom: receiver broke" });
    expect(d!.next_attempt_at!.getTime() - clock.getTime()).toBe(30_000);
    // Not due yet: running the queue now sends nothing.
    await s.run();
    expect(received.length - from).toBe(1);

    clock = new Date(clock.getTime() + 31_000);
    script.push({ delayMs: 800 });
    await makeJobsDue(t);
    await s.run();
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: "retrying", attempts: 2, response_code: null, error: "Timed out after 300 ms" });
    expect(d!.next_attempt_at!.getTime() - clock.getTime()).toBe(120_000);

    clock = new Date(clock.getTime() + 121_000);
    await makeJobsDue(t);
    await s.run();
    [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: "succeeded", attempts: 3, response_code: 200, error: null, next_attempt_at: null });
    const ids = payloads(from).map((p) => p.id);
    expect(ids.length).toBe(3);
    expect(new Set(ids).size).toBe(1);
  });

  test("a redirect is not followed and counts as a failure; after the last attempt the delivery is failed", async () => {
    const s = await setup();
    const sub = await subscribe(s.a, hookUrl("/moved"), ["contact.created"]);
    await createContact(s);
    const from = received.length;
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      script.push({ status: 307, location: hookUrl("/elsewhere") });
      await makeJobsDue(t);
      clock = new Date(clock.getTime() + 86_400_000 + 1000);
      await s.run();
    }
    const [d] = await deliveries(sub.id);
    expect(d).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, response_code: 307 });
    expect(received.slice(from).every((r) => r.headers.get("steward-delivery-id") === d!.id)).toBe(true);
    expect(received.length - from).toBe(MAX_ATTEMPTS);
  });

  test("re-send from the delivery log sends the same event again", async () => {
    const s = await setup();
    const sub = await subscribe(s.a, hookUrl(), ["contact.created"]);
    await createContact(s);
    await s.run();
    const [d] = await deliveries(sub.id);
    const page = await s.a.client.get(`${s.base}/${sub.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("contact.created");
    expect(html).toContain(`/deliveries/${d!.id}/attempts`);
    expect(html).not.toContain(sub.secret);
    const from = received.length;
    const res = await s.a.client.post(`${s.base}/${sub.id}/deliveries/${d!.id}/attempts`);
    expect(res.status).toBe(303);
    await s.run();
    expect(received.length - from).toBe(1);
    expect(received[from]!.headers.get("steward-delivery-id")).toBe(d!.id);
    expect((await deliveries(sub.id))[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    const [ev] = await t.su`select action, changes from audit_events where tenant_id = ${s.a.tenantId} and action = 'webhook.resent'`;
    expect(ev!.changes).toMatchObject({ delivery_id: d!.id });
  });

  test("a paused or deleted webhook receives nothing, and unchosen events are not sent", async () => {
    const s = await setup();
    const paused = await subscribe(s.a, hookUrl("/paused"), ["contact.created"]);
    const gone = await subscribe(s.a, hookUrl("/gone"), ["contact.created"]);
    const picky = await subscribe(s.a, hookUrl("/picky"), ["deal.created"]);
    expect((await s.a.client.post(`${s.base}/${paused.id}`, { url: hookUrl("/paused"), "event.contact.created": "1" })).status).toBe(303);
    expect((await s.a.client.post(`${s.base}/${gone.id}/deletion`)).status).toBe(303);
    const from = received.length;
    await createContact(s);
    await s.run();
    expect(received.length - from).toBe(0);
    const [n] = await t.su`select count(*)::int as n from webhook_deliveries where tenant_id = ${s.a.tenantId}`;
    expect(n!.n).toBe(0);
    expect(picky.id).toBeTruthy();
    // A delivery queued while active and paused before it ran is not sent either.
    expect((await s.a.client.post(`${s.base}/${paused.id}`, { url: hookUrl("/paused"), "event.contact.created": "1", active: "1" })).status).toBe(303);
    await createContact(s);
    expect((await s.a.client.post(`${s.base}/${paused.id}`, { url: hookUrl("/paused"), "event.contact.created": "1" })).status).toBe(303);
    await s.run();
    expect(received.length - from).toBe(0);
  });

  test("subscription changes are audited without the secret; bad input is a 422 with messages and saves nothing", async () => {
    const s = await setup();
    const bad = await s.a.client.post(s.base, { url: "ftp://example.com/x", description: "x".repeat(201) });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Only https:// and http:// URLs");
    expect(html).toContain("Choose at least one event.");
    expect(html).toContain("at most 200 characters");
    const [none] = await t.su`select count(*)::int as n from webhook_subscriptions where tenant_id = ${s.a.tenantId}`;
    expect(none!.n).toBe(0);
    const sub = await subscribe(s.a);
    const rotated = await s.a.client.post(`${s.base}/${sub.id}/secret`);
    expect(rotated.status).toBe(200);
    const fresh = /<code id="webhook-secret">([^<]+)<\/code>/.exec(await rotated.text())![1]!;
    expect(fresh).not.toBe(sub.secret);
    const events = await t.su<{ action: string; changes: unknown }[]>`select action, changes from audit_events where tenant_id = ${s.a.tenantId} and target_type = 'webhook' order by seq`;
    expect(events.map((e) => e.action)).toEqual(["webhook.created", "webhook.secret_rotated"]);
    expect(JSON.stringify([...events])).not.toContain(sub.secret.slice(6));
    expect(JSON.stringify([...events])).not.toContain(fresh.slice(6));
  });

  test("the delivery log pages by 50, newest first, as a page and as an htmx fragment", async () => {
    const s = await setup();
    const sub = await subscribe(s.a, hookUrl(), ["contact.created"]);
    await t.su`with e as (
        insert into webhook_events (tenant_id, id, audit_event_id, type, record_type, record_id, occurred_at)
        select ${s.a.tenantId}::uuid, uuidv7(), uuidv7(), 'contact.created', 'contact', uuidv7(), now() from generate_series(1, 51) returning id)
      insert into webhook_deliveries (tenant_id, id, subscription_id, event_id, created_at) select ${s.a.tenantId}::uuid, uuidv7(), ${sub.id}::uuid, id, now() from e`;
    const all = await deliveries(sub.id);
    const first = await (await s.a.client.get(`${s.base}/${sub.id}`)).text();
    expect(first.match(/\/attempts"/g)!.length).toBe(50);
    // A full log page stays within the page budget (15 KB compressed HTML).
    expect(brotliCompressSync(first).length).toBeLessThan(15 * 1024);
    expect(first).toContain(`/deliveries/${all[50]!.id}/attempts`);
    expect(first).not.toContain(`/deliveries/${all[0]!.id}/attempts`);
    const next = /href="([^"]*\?before=[^"]+)"/.exec(first)![1]!.replaceAll("&amp;", "&");
    const frag = await s.a.client.htmx("GET", next);
    expect(frag.status).toBe(200);
    const html = await frag.text();
    expect(html.startsWith('<div id="deliveries">')).toBe(true);
    expect(html).toContain(`/deliveries/${all[0]!.id}/attempts`);
    expect(html.match(/\/attempts"/g)!.length).toBe(1);
    expect(html).toContain("First page");
  });

  test("only owners and admins reach the webhook pages", async () => {
    const s = await setup();
    const sub = await subscribe(s.a);
    for (const role of ["member", "viewer", "privacy"] as const) {
      const other = await memberOf(t, s.app, s.a, role);
      expect((await other.client.get(s.base)).status).toBe(403);
      expect((await other.client.get(`${s.base}/${sub.id}`)).status).toBe(403);
      expect((await other.client.post(`${s.base}/${sub.id}/deletion`)).status).toBe(403);
    }
    const admin = await memberOf(t, s.app, s.a, "admin");
    expect((await admin.client.get(s.base)).status).toBe(200);
  });

  test("P21 in production, webhook targets on private or loopback addresses are refused unless allowed", async () => {
    const strict = { allowPrivate: false };
    for (const url of ["http://127.0.0.1/x", "http://localhost:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://192.168.0.5/x", "https://metadata.internal/"]) {
      expect(urlProblem(url, strict)).toContain("private network");
    }
    expect(urlProblem("https://hooks.example.com/steward", strict)).toBeNull();
    expect(urlProblem("http://127.0.0.1/x", { allowPrivate: true })).toBeNull();
    expect(urlProblem("https://user:pw@hooks.example.com/", strict)).toContain("credentials");
    expect(isPrivateAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isPrivateAddress("93.184.216.34")).toBe(false);
    // Settings: production refuses them unless WEBHOOK_ALLOW_PRIVATE_TARGETS; elsewhere they are allowed.
    expect(webhookSettings(testConfig({ NODE_ENV: "production" })).allowPrivate).toBe(false);
    expect(webhookSettings(testConfig({ NODE_ENV: "production", WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" })).allowPrivate).toBe(true);
    expect(webhookSettings(testConfig()).allowPrivate).toBe(true);
    // And at send time: a subscription stored earlier whose host is private is not contacted under a strict policy.
    const s = await setup();
    const sub = await subscribe(s.a, hookUrl("/strict"), ["contact.created"]);
    const deps = jobDeps(t, { now: () => clock });
    await createContact(s);
    const from = received.length;
    await runDueJobs(t, deps, { ...createTaskList(deps), "webhook-deliver": webhookDeliver(deps, { timeoutMs: 300, allowPrivate: false }) });
    expect(received.length - from).toBe(0);
    expect((await deliveries(sub.id))[0]).toMatchObject({ status: "retrying", attempts: 1, response_code: null });
    expect((await deliveries(sub.id))[0]!.error).toContain("private network");
  });
});
