import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.tsx";
import { createTaskList } from "../../src/jobs/index.ts";
import { memoryLogger, ORIGIN, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, memberOf, PASSWORD, type Account } from "../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();
const SECRET = "whsec_test_secret_0123456789";
const DAY = 86_400_000;
let clock = new Date();
let app: App;
const log = memoryLogger();
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock, env: { BILLING_WEBHOOK_SECRET: SECRET }, log });
});
// Each test starts at the real time, which the factories' sessions are created at.
beforeEach(() => {
  clock = new Date();
});
const unix = (d: Date = clock) => Math.floor(d.getTime() / 1000);
const ymd = (d: Date) => d.toISOString().slice(0, 10);

// Signed here with node:crypto, independently of src/domain/billing/billing-signature.ts.
function sign(secret: string, ts: number, raw: string) {
  return createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex");
}

let seq = 0;
function event(customer: string, status: string, over: { id?: string; created?: number; data?: Record<string, unknown>; type?: string } = {}) {
  return { id: over.id ?? `evt_${++seq}_${crypto.randomUUID().slice(0, 8)}`, type: over.type ?? "subscription.updated", created: over.created ?? unix(), data: { customer, status, ...over.data } };
}

async function deliver(body: unknown, opts: { ts?: number; secret?: string; header?: string | null; headers?: Record<string, string>; to?: App } = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const ts = opts.ts ?? unix();
  const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
  if (opts.header !== null) headers["steward-signature"] = opts.header ?? `t=${ts},v1=${sign(opts.secret ?? SECRET, ts, raw)}`;
  return (opts.to ?? app).request(`${ORIGIN}/billing/webhook`, { method: "POST", headers, body: raw });
}

async function outcome(res: Response) {
  expect(res.status).toBe(200);
  return ((await res.json()) as { outcome: string }).outcome;
}

async function state(tenantId: string) {
  const [tn] = await t.su<{ status: string; suspended_at: Date | null; purge_after: Date | null }[]>`select status, suspended_at, purge_after from tenants where id = ${tenantId}`;
  const [b] = await t.su<{ customer_id: string; status: string; card_last4: string | null; period_end: Date | null }[]>`
    select customer_id, status, card_last4, period_end from billing_accounts where tenant_id = ${tenantId}`;
  return { tenant: tn!, billing: b ?? null };
}

/** A workspace with a paying subscription, linked through checkout's first event. */
async function paying(): Promise<{ owner: Account; customer: string }> {
  const owner = await createAccount(t, app);
  const customer = `cus_${crypto.randomUUID().slice(0, 12)}`;
  const res = await deliver(event(customer, "active", { data: { workspace: owner.tenantId, card_last4: "4242", current_period_end: unix(new Date(clock.getTime() + 30 * DAY)) } }));
  expect(await outcome(res)).toBe("applied");
  return { owner, customer };
}

describe("billing webhook signature (P20)", () => {
  test("P20 the README's example is HMAC-SHA256 over '<t>.<raw body>', and the webhook accepts exactly that delivery", async () => {
    const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
    const body = readme.split("\n").map((l) => l.trim()).find((l) => l.startsWith('{"id":"evt_0001"'))!;
    const header = /`(t=\d+,v1=[0-9a-f]{64})`/.exec(readme)![1]!;
    const secret = /secret\s+`([^`]+)`/.exec(readme)![1]!;
    const ts = Number(/t=(\d+)/.exec(header)![1]);
    expect(header).toBe(`t=${ts},v1=${sign(secret, ts, body)}`);

    const example = testApp({ db: t.db, now: () => new Date(ts * 1000 + 60_000), env: { BILLING_WEBHOOK_SECRET: secret } });
    const res = await deliver(body, { header, to: example });
    // Signed correctly; cus_example is nobody's customer here, so it is acknowledged and ignored.
    expect(await outcome(res)).toBe("unknown-customer");
    const tampered = await deliver(body.replace('"active"', '"lapsed"'), { header, to: example });
    expect(tampered.status).toBe(400);
  });

  test("P20 a missing, malformed, wrongly keyed or tampered signature gets 400 and changes nothing", async () => {
    const { owner, customer } = await paying();
    const lapse = event(customer, "lapsed");
    const raw = JSON.stringify(lapse);
    const ts = unix();
    const cases: Record<string, Parameters<typeof deliver>[1]> = {
      missing: { header: null },
      empty: { header: "" },
      "no timestamp": { header: `v1=${sign(SECRET, ts, raw)}` },
      "no v1": { header: `t=${ts}` },
      "not hex": { header: `t=${ts},v1=${"z".repeat(64)}` },
      "short": { header: `t=${ts},v1=${sign(SECRET, ts, raw).slice(0, 32)}` },
      "other secret": { secret: "whsec_someone_else_entirely" },
      "signed for another time": { header: `t=${ts},v1=${sign(SECRET, ts - 1, raw)}` },
    };
    for (const [name, opts] of Object.entries(cases)) {
      const res = await deliver(raw, opts);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
    }
    const body = raw.replace('"lapsed"', '"cancelled"');
    expect((await deliver(body, { header: `t=${ts},v1=${sign(SECRET, ts, raw)}` })).status).toBe(400);
    expect((await state(owner.tenantId)).tenant.status).toBe("active");
    expect((await state(owner.tenantId)).billing!.status).toBe("active");
    // One of several v1 values matching is enough (secret rotation).
    const rotated = await deliver(raw, { header: `t=${ts},v1=${sign("whsec_old_secret_000000", ts, raw)},v1=${sign(SECRET, ts, raw)}` });
    expect(await outcome(rotated)).toBe("applied");
  });

  test("P20 a timestamp more than 5 minutes away is refused even when signed, and a replay within the window changes nothing", async () => {
    const { owner, customer } = await paying();
    const stale = await deliver(event(customer, "lapsed"), { ts: unix() - 301 });
    expect(stale.status).toBe(400);
    expect(await stale.json()).toEqual({ error: "signature stale" });
    expect((await deliver(event(customer, "lapsed"), { ts: unix() + 301 })).status).toBe(400);
    expect((await state(owner.tenantId)).tenant.status).toBe("active");

    // A delivery captured and replayed: within 5 minutes its event id is already known; after, it is stale.
    const lapse = event(customer, "lapsed");
    const raw = JSON.stringify(lapse);
    const ts = unix();
    const header = `t=${ts},v1=${sign(SECRET, ts, raw)}`;
    expect(await outcome(await deliver(raw, { header }))).toBe("applied");
    const recovered = await deliver(event(customer, "active"));
    expect(await outcome(recovered)).toBe("applied");
    clock = new Date(clock.getTime() + 240_000);
    expect(await outcome(await deliver(raw, { header }))).toBe("duplicate");
    expect((await state(owner.tenantId)).tenant.status).toBe("active");
    clock = new Date(clock.getTime() + 120_000);
    expect((await deliver(raw, { header })).status).toBe(400);
    expect((await state(owner.tenantId)).tenant.status).toBe("active");
  });

  test("the webhook answers 404 when BILLING_WEBHOOK_SECRET is unset", async () => {
    const bare = testApp({ db: t.db });
    const res = await deliver(event("cus_x", "active"), { to: bare });
    expect(res.status).toBe(404);
  });

  test("the webhook is server to server: the Origin check does not block it, while it still blocks other cross-site posts", async () => {
    const { owner, customer } = await paying();
    const crossSite = { origin: "https://processor.example", "sec-fetch-site": "cross-site" };
    expect(await outcome(await deliver(event(customer, "past_due"), { headers: crossSite }))).toBe("applied");
    const other = await owner.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "X" }, crossSite);
    expect(other.status).toBe(403);
    // …and the exemption is that exact path.
    const near = await app.request(`${ORIGIN}/billing/webhook/x`, { method: "POST", headers: crossSite, body: "{}" });
    expect(near.status).toBe(403);
  });
});

describe("billing events (P17, P20)", () => {
  test("P20 an unknown customer or event type gets 200 and is ignored; a body that is not an event gets 400", async () => {
    expect(await outcome(await deliver(event("cus_nobody_knows", "lapsed")))).toBe("unknown-customer");
    expect(await outcome(await deliver(event("cus_nobody_knows", "active", { data: { workspace: crypto.randomUUID() } })))).toBe("unknown-customer");
    expect(await outcome(await deliver(event("cus_x", "active", { type: "invoice.created" })))).toBe("ignored");
    for (const bad of ["not json", "[]", '{"id":"evt_1"}', JSON.stringify(event("cus_x", "bankrupt")), JSON.stringify({ ...event("cus_x", "active"), id: "bad id with spaces" })]) {
      const res = await deliver(bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const [n] = await t.su<{ n: number }[]>`select count(*)::int as n from billing_events e join billing_accounts b using (tenant_id) where b.customer_id = 'cus_nobody_knows'`;
    expect(n!.n).toBe(0);
  });

  test("P20 events are applied once by id, and an older event arriving late changes nothing", async () => {
    const { owner, customer } = await paying();
    const lapse = event(customer, "lapsed", { created: unix() + 10 });
    expect(await outcome(await deliver(lapse))).toBe("applied");
    expect(await outcome(await deliver(lapse))).toBe("duplicate");
    const events = await t.su<{ n: number }[]>`select count(*)::int as n from billing_events where tenant_id = ${owner.tenantId} and event_id = ${lapse.id}`;
    expect(events[0]!.n).toBe(1);
    // Sent before the lapse, delivered after it.
    expect(await outcome(await deliver(event(customer, "active", { created: unix() + 5 })))).toBe("out-of-order");
    expect((await state(owner.tenantId)).billing!.status).toBe("lapsed");
    const audits = await t.su<{ n: number }[]>`select count(*)::int as n from audit_events where tenant_id = ${owner.tenantId} and action = 'workspace.suspended'`;
    expect(audits[0]!.n).toBe(1);
  });

  test("P17 a lapsed subscription suspends the workspace: writes 403 with its own banner, reads work; a payment before 30 days makes it active again", async () => {
    const { owner, customer } = await paying();
    const member = await memberOf(t, app, owner, "member");
    expect(await outcome(await deliver(event(customer, "past_due")))).toBe("applied");
    expect((await state(owner.tenantId)).tenant.status).toBe("active");

    expect(await outcome(await deliver(event(customer, "lapsed")))).toBe("applied");
    const s = await state(owner.tenantId);
    expect(s.tenant.status).toBe("suspended");
    expect(s.tenant.suspended_at!.getTime()).toBe(clock.getTime());
    expect(s.tenant.purge_after!.getTime()).toBe(clock.getTime() + 30 * DAY);
    const notice = `This workspace is suspended because the subscription lapsed on ${ymd(clock)}; it will be deleted on ${ymd(s.tenant.purge_after!)}`;
    const read = await member.client.get(`/t/${owner.slug}/crm/contacts`);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain(notice);
    const write = await member.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Nope" });
    expect(write.status).toBe(403);
    expect(await write.text()).toContain(notice);
    expect((await owner.client.post(`/t/${owner.slug}/settings`, { name: "X" })).status).toBe(403);
    // An owner cannot reactivate their way out of a lapsed subscription.
    expect((await owner.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD })).status).toBe(409);

    clock = new Date(clock.getTime() + 20 * DAY);
    expect(await outcome(await deliver(event(customer, "active", { data: { card_last4: "1881" } })))).toBe("applied");
    expect(await state(owner.tenantId)).toMatchObject({ tenant: { status: "active", suspended_at: null, purge_after: null }, billing: { status: "active", card_last4: "1881" } });
    expect((await member.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Back" })).status).toBe(303);
    const actions = await t.su<{ action: string; actor_type: string; actor_label: string }[]>`
      select action, actor_type, actor_label from audit_events where tenant_id = ${owner.tenantId} and (action like 'billing.%' or action like 'workspace.%') order by seq`;
    expect(actions.map((a) => a.action)).toEqual(["workspace.created", "billing.linked", "billing.updated", "billing.updated", "workspace.suspended", "billing.updated", "workspace.resumed"]);
    expect(actions.filter((a) => a.action !== "workspace.created").every((a) => a.actor_type === "system" && a.actor_label === "Payment processor")).toBe(true);
  });

  test("P17 a suspended workspace whose payment never comes is queued for purge after 30 days", async () => {
    const { owner, customer } = await paying();
    expect(await outcome(await deliver(event(customer, "cancelled")))).toBe("applied");
    expect((await state(owner.tenantId)).tenant.status).toBe("suspended");
    const deps = jobDeps(t, { now: () => clock });
    const run = async () => {
      await t.su`select graphile_worker.add_job('workspace-lifecycle', '{}'::json)`;
      await runDueJobs(t, deps, { "workspace-lifecycle": createTaskList(deps)["workspace-lifecycle"]! });
    };
    clock = new Date(clock.getTime() + 29 * DAY);
    await run();
    expect((await state(owner.tenantId)).tenant.status).toBe("suspended");
    clock = new Date(clock.getTime() + 1 * DAY + 1000);
    await run();
    expect((await state(owner.tenantId)).tenant.status).toBe("purging");
    const job = (await queuedJobs(t)).find((j) => j.key === `workspace-purge:${owner.tenantId}`);
    expect(job?.payload).toMatchObject({ tenantId: owner.tenantId, reason: "lapsed" });
    // Too late: a payment now does not bring it back.
    expect(await outcome(await deliver(event(customer, "active")))).toBe("applied");
    expect((await state(owner.tenantId)).tenant.status).toBe("purging");
  });

  test("P16 P17 a subscription that lapses while cancelled leaves it cancelled; reactivating then gives a suspended workspace", async () => {
    const { owner, customer } = await paying();
    expect((await owner.client.post(`/t/${owner.slug}/cancellation`, { password: PASSWORD })).status).toBe(303);
    expect(await outcome(await deliver(event(customer, "lapsed")))).toBe("applied");
    const cancelled = await state(owner.tenantId);
    expect(cancelled.tenant.status).toBe("cancelled");
    const res = await owner.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD });
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}/settings?done=suspended`);
    const after = await state(owner.tenantId);
    expect(after.tenant.status).toBe("suspended");
    expect(after.tenant.purge_after).toEqual(cancelled.tenant.purge_after);
    expect(await outcome(await deliver(event(customer, "active")))).toBe("applied");
    expect((await state(owner.tenantId)).tenant.status).toBe("active");
  });
});

describe("payment details (P20)", () => {
  test("P20 billing_accounts has exactly the customer id, last four, status and period end (plus bookkeeping), nothing else about payment", async () => {
    const cols = await t.su<{ column_name: string }[]>`select column_name from information_schema.columns where table_schema = 'public' and table_name = 'billing_accounts' order by 1`;
    expect(cols.map((c) => c.column_name)).toEqual(["card_last4", "created_at", "customer_id", "period_end", "status", "status_at", "tenant_id", "updated_at"]);
    const ev = await t.su<{ column_name: string }[]>`select column_name from information_schema.columns where table_schema = 'public' and table_name = 'billing_events' order by 1`;
    expect(ev.map((c) => c.column_name)).toEqual(["event_id", "received_at", "tenant_id"]);
    // Nowhere in the schema is there a column for a card number, expiry, CVC or bank account.
    const payment = await t.su<{ c: string }[]>`select table_name || '.' || column_name as c from information_schema.columns
      where table_schema = 'public' and column_name ~* '((^|_)(pan|cvc|cvv|cvc2|iban|bic)($|_)|card_?number|exp_month|exp_year|expiry|account_number|routing_number)'`;
    expect(payment.map((r) => r.c)).toEqual([]);
    // The column itself refuses anything but four digits.
    const { owner } = await paying();
    const err = await t.su`update billing_accounts set card_last4 = '4242424242424242' where tenant_id = ${owner.tenantId}`.catch((e) => e);
    expect(err.code).toBe("23514");
  });

  test("P20 a card number or anything else in a webhook body is stored nowhere and logged nowhere", async () => {
    const { owner, customer } = await paying();
    const PAN = "4000056655665556";
    const body = event(customer, "active", {
      data: { card_number: PAN, card_last4: PAN, cvc: "737", exp_month: 12, billing_details: { name: "Card Holder MARKER-PAN", email: "holder-pan@example.com" } },
    });
    expect(await outcome(await deliver({ ...body, raw_card: PAN }))).toBe("applied");
    // The malformed last four was not taken; the earlier one stays.
    expect((await state(owner.tenantId)).billing!.card_last4).toBe("4242");
    const tables = await t.su<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    const found: string[] = [];
    for (const { table_name } of tables) {
      // Field names, not values, for the card's other parts: "737" followed by "exp" also turns up in random tokens and "expires".
      const [r] = await t.su.unsafe(`select count(*)::int as n from "${table_name}" x where x::text like any($1)`, [[`%${PAN}%`, "%MARKER-PAN%", "%holder-pan@%", "%cvc%", "%exp_month%"]]);
      if (r!.n) found.push(table_name);
    }
    expect(found).toEqual([]);
    expect(JSON.stringify(log.lines)).not.toContain(PAN);
    expect(JSON.stringify(log.lines)).not.toContain("MARKER-PAN");
  });

  test("P20 the owner sees the subscription status and the card's last four digits in Settings; an admin does not", async () => {
    const { owner } = await paying();
    const admin = await memberOf(t, app, owner, "admin");
    const html = await (await owner.client.get(`/t/${owner.slug}/settings`)).text();
    expect(html).toContain("Subscription: Active");
    expect(html).toContain("card ending 4242");
    const adminHtml = await (await admin.client.get(`/t/${owner.slug}/settings`)).text();
    expect(adminHtml).not.toContain("card ending");
  });
});
