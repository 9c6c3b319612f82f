import { describe, expect, test } from "bun:test";
import { metaSignature, twilioSignature } from "../../../src/domain/messaging/signatures.ts";
import { Client, ORIGIN, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { queuedJobs } from "../../support/jobs.ts";
import { APP_SECRET, cloudSettings, messagingWorld, runJobs, TWILIO_TOKEN, twilioSettings } from "./fixture.ts";

const t = useTestDatabase();
const app = () => testApp({ db: t.db });

/** A delivery as Twilio posts it: form-encoded, signed over the full URL and the sorted parameters. */
async function twilioPost(token: string, params: Record<string, string>, opts: { authToken?: string; tamper?: boolean } = {}) {
  const path = `/hooks/twilio/${token}`;
  const pairs = Object.entries(params);
  const signature = twilioSignature(opts.authToken ?? TWILIO_TOKEN, `${ORIGIN}${path}`, pairs);
  const body = new URLSearchParams(params);
  if (opts.tamper) body.set("Body", "tampered");
  // A server-to-server request: no cookie, no Origin.
  return app().request(`${ORIGIN}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: body.toString() });
}

async function metaPost(token: string, payload: unknown, secret = APP_SECRET) {
  const raw = new TextEncoder().encode(JSON.stringify(payload));
  return app().request(`${ORIGIN}/hooks/whatsapp/${token}`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": metaSignature(secret, raw) }, body: raw });
}

const inbound = (sid: string, from: string, body: string) => ({ MessageSid: sid, SmsSid: sid, AccountSid: "AC0123456789abcdef0123456789abcdef", From: from, To: "+15005550006", Body: body, NumMedia: "0", SmsStatus: "received", ApiVersion: "2010-04-01" });
const inboxRows = (tenantId: string) => t.su<{ id: string; raw_body: string; processed_at: Date | null; outcome: string | null; contact_id: string | null; lead_id: string | null }[]>`
  select id, raw_body, processed_at, outcome, contact_id, lead_id from message_inbox where tenant_id = ${tenantId} order by received_at, id`;

describe("Twilio webhook", () => {
  test("a signed inbound SMS is stored raw and answered 200 at once; the job attaches it to the contact with that phone (typed differently); a redelivery changes nothing", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    const params = inbound("SM00000000000000000000000000000001", "+14155550100", "Is Tuesday OK?");
    const res = await twilioPost(w.hookToken, params);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/xml");
    expect(await res.text()).toContain("<Response></Response>");
    let [row] = await inboxRows(w.account.tenantId);
    expect(row!.raw_body).toBe(new URLSearchParams(params).toString());
    expect(row!.processed_at).toBeNull();
    const jobs = (await queuedJobs(t)).filter((j) => j.task === "messaging-inbox");
    expect(jobs.length).toBe(1);
    expect(JSON.stringify(jobs[0]!.payload)).not.toContain("+1415");
    expect((await twilioPost(w.hookToken, params)).status).toBe(200); // Twilio retried: same delivery
    expect((await inboxRows(w.account.tenantId)).length).toBe(1);
    await runJobs(t);
    [row] = await inboxRows(w.account.tenantId);
    expect(row!.contact_id).toBe(w.contactId);
    expect(row!.outcome).toBe("attached");
    const msgs = await t.su`select direction, channel, from_address, body, status, contact_id from messages where tenant_id = ${w.account.tenantId}`;
    expect([...msgs]).toEqual([{ direction: "in", channel: "sms", from_address: "+14155550100", body: "Is Tuesday OK?", status: "received", contact_id: w.contactId }]);
    const page = await (await w.account.client.get(`/t/${w.account.slug}/crm/contacts/${w.contactId}`)).text();
    expect(page).toContain("Is Tuesday OK?");
  });

  test("a bad signature, a tampered body or an unknown token stores nothing: 403 / 404", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    const params = inbound("SM00000000000000000000000000000002", "+14155550100", "hi");
    expect((await twilioPost(w.hookToken, params, { authToken: "wrong-token-123" })).status).toBe(403);
    expect((await twilioPost(w.hookToken, params, { tamper: true })).status).toBe(403);
    expect((await twilioPost("unknown-token-unknown-token", params)).status).toBe(404);
    const unsigned = await app().request(`${ORIGIN}/hooks/twilio/${w.hookToken}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params).toString() });
    expect(unsigned.status).toBe(403);
    expect((await inboxRows(w.account.tenantId)).length).toBe(0);
    // A workspace without a Twilio token has no Twilio webhook.
    const bare = await messagingWorld(t, app());
    expect((await twilioPost(bare.hookToken, params)).status).toBe(404);
  });

  test("an unknown sender becomes a new lead with that phone, and the message is on the lead", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    await twilioPost(w.hookToken, inbound("SM00000000000000000000000000000003", "+12125550199", "Do you do roofs?"));
    await runJobs(t);
    const leads = await t.su`select id, name, phone, source from leads where tenant_id = ${w.account.tenantId}`;
    expect(leads.map((l) => ({ name: l.name, phone: l.phone, source: l.source }))).toEqual([{ name: "+12125550199", phone: "+12125550199", source: "sms" }]);
    const [m] = await t.su`select lead_id, body from messages where tenant_id = ${w.account.tenantId}`;
    expect(m).toEqual({ lead_id: leads[0]!.id, body: "Do you do roofs?" });
    // The next message from the same phone joins the same lead and thread.
    await twilioPost(w.hookToken, inbound("SM00000000000000000000000000000004", "+12125550199", "And gutters?"));
    await runJobs(t);
    const [n] = await t.su`select count(distinct lead_id)::int as leads, count(distinct thread_id)::int as threads, count(*)::int as messages from messages where tenant_id = ${w.account.tenantId}`;
    expect(n).toEqual({ leads: 1, threads: 1, messages: 2 });
  });

  test("status callbacks move a message forwards only: delivered then a late 'sent' leaves it delivered; every report is an event", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    const threadId = Bun.randomUUIDv7();
    const messageId = Bun.randomUUIDv7();
    const now = new Date();
    await t.su`insert into message_threads (tenant_id, id, channel, counterpart, contact_id, last_message_at, created_at) values (${w.account.tenantId}, ${threadId}, 'sms', '+14155550100', ${w.contactId}, ${now}, ${now})`;
    await t.su`insert into messages (tenant_id, id, thread_id, contact_id, direction, channel, from_address, to_address, body, provider, provider_message_id, status, created_at, updated_at)
      values (${w.account.tenantId}, ${messageId}, ${threadId}, ${w.contactId}, 'out', 'sms', '+15005550006', '+14155550100', 'x', 'twilio', 'SM0000000000000000000000000000000a', 'queued', ${now}, ${now})`;
    const cb = (status: string, extra: Record<string, string> = {}) => twilioPost(w.hookToken, { MessageSid: "SM0000000000000000000000000000000a", MessageStatus: status, AccountSid: "AC0123456789abcdef0123456789abcdef", ...extra });
    await cb("delivered");
    await runJobs(t);
    await cb("sent");
    await cb("failed", { ErrorCode: "30003" });
    await runJobs(t);
    const [m] = await t.su`select status, error from messages where id = ${messageId}`;
    expect(m).toEqual({ status: "delivered", error: null });
    await cb("read");
    await runJobs(t);
    const [r] = await t.su`select status from messages where id = ${messageId}`;
    expect(r!.status).toBe("read");
    const ev = await t.su`select status, source from message_events where message_id = ${messageId} order by id`;
    expect(ev.map((e) => e.status)).toEqual(["delivered", "sent", "failed", "read"]);
    // The app role cannot rewrite history.
    const appRole = await t.db.appSql
      .begin(async (sql) => {
        await sql`select set_config('app.tenant_id', ${w.account.tenantId}, true)`;
        await sql`update message_events set status = 'queued' where message_id = ${messageId}`;
      })
      .catch((e: Error) => e.message);
    expect(String(appRole)).toContain("permission denied");
  });

  test("STOP opts the sender out of SMS and RCS: the compose page says why and a send is refused (422); START opts back in", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    await twilioPost(w.hookToken, inbound("SM00000000000000000000000000000005", "+14155550100", " stop "));
    await runJobs(t);
    const page = `/t/${w.account.slug}/messaging/contacts/${w.contactId}`;
    const html = await (await w.account.client.get(page)).text();
    expect(html).toContain("This person opted out of SMS (replied STOP)");
    const res = await w.account.client.post(page, { channel: "sms", to: "(415) 555-0100", body: "Offer!" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("they cannot be messaged on this channel");
    const rcs = await w.account.client.post(page, { channel: "rcs", to: "(415) 555-0100", body: "Offer!" });
    expect(rcs.status).toBe(422);
    expect((await t.su`select count(*)::int as n from messages where tenant_id = ${w.account.tenantId} and direction = 'out'`)[0]!.n).toBe(0);
    await twilioPost(w.hookToken, inbound("SM00000000000000000000000000000006", "+14155550100", "START"));
    await runJobs(t);
    expect((await w.account.client.post(page, { channel: "sms", to: "(415) 555-0100", body: "Welcome back" })).status).toBe(303);
    const audits = await t.su`select action from audit_events where tenant_id = ${w.account.tenantId} and action like 'message.opted%' order by id`;
    expect(audits.map((a) => a.action)).toEqual(["message.opted_out", "message.opted_in"]);
  });
});

describe("WhatsApp Cloud webhook", () => {
  const waInbound = (id: string, from: string, body: string) => ({
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" }, contacts: [{ profile: { name: "Sheena Nelson" }, wa_id: from }], messages: [{ from, id, timestamp: "1749416383", type: "text", text: { body } }] } }] }],
  });

  test("a signed inbound message attaches to the contact; a delivered status moves the sent message; the subscription check echoes the challenge", async () => {
    const w = await messagingWorld(t, app(), cloudSettings("http://127.0.0.1:9"));
    const res = await metaPost(w.hookToken, waInbound("wamid.HBgLMTY0NjcwNDM1OTUVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "14155550100", "Hello from WhatsApp"));
    expect(res.status).toBe(200);
    await runJobs(t);
    const [m] = await t.su`select channel, from_address, body, contact_id from messages where tenant_id = ${w.account.tenantId}`;
    expect(m).toEqual({ channel: "whatsapp", from_address: "+14155550100", body: "Hello from WhatsApp", contact_id: w.contactId });
    // A status for a message sent through the Cloud API: delivered, then a late "sent" that changes nothing.
    const [thread] = await t.su`select thread_id from messages where tenant_id = ${w.account.tenantId}`;
    const sentId = Bun.randomUUIDv7();
    await t.su`insert into messages (tenant_id, id, thread_id, contact_id, direction, channel, from_address, to_address, body, provider, provider_message_id, status, created_at, updated_at)
      values (${w.account.tenantId}, ${sentId}, ${thread!.thread_id}, ${w.contactId}, 'out', 'whatsapp', '106540352242922', '(415) 555-0100', 'Hi', 'whatsapp_cloud', 'wamid.OUT1', 'sent', now(), now())`;
    const status = (s: string) => ({ object: "whatsapp_business_account", entry: [{ id: "102290129340398", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" }, statuses: [{ id: "wamid.OUT1", status: s, timestamp: "1749416400", recipient_id: "14155550100" }] } }] }] });
    expect((await metaPost(w.hookToken, status("delivered"))).status).toBe(200);
    await runJobs(t);
    expect((await metaPost(w.hookToken, status("sent"))).status).toBe(200);
    await runJobs(t);
    const [sent] = await t.su`select status from messages where id = ${sentId}`;
    expect(sent!.status).toBe("delivered");
    const ok = await app().request(`${ORIGIN}/hooks/whatsapp/${w.hookToken}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${w.hookToken}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const bad = await app().request(`${ORIGIN}/hooks/whatsapp/${w.hookToken}?hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess`);
    expect(bad.status).toBe(403);
  });

  test("a wrong app secret is 403 and stores nothing; a body that is not JSON is 400", async () => {
    const w = await messagingWorld(t, app(), cloudSettings("http://127.0.0.1:9"));
    expect((await metaPost(w.hookToken, waInbound("wamid.X", "14155550100", "x"), "not-the-secret")).status).toBe(403);
    const raw = new TextEncoder().encode("not json");
    const res = await app().request(`${ORIGIN}/hooks/whatsapp/${w.hookToken}`, { method: "POST", headers: { "x-hub-signature-256": metaSignature(APP_SECRET, raw) }, body: raw });
    expect(res.status).toBe(400);
    expect((await inboxRows(w.account.tenantId)).length).toBe(0);
  });
});

test("webhooks need no session and pass the Origin check, while a signed-in page still refuses a cross-site post", async () => {
  const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
  const res = await app().request(`${ORIGIN}/hooks/twilio/${w.hookToken}`, { method: "POST", headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" }, body: "" });
  expect(res.status).toBe(403); // refused by the signature, not by the Origin check
  expect(await res.text()).toContain("bad signature");
  const c = new Client(app());
  for (const [k, v] of w.account.client.cookies) c.cookies.set(k, v);
  const cross = await c.request("POST", `/t/${w.account.slug}/messaging/settings`, { body: { whatsapp_provider: "twilio" }, headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
  expect(cross.status).toBe(403);
});

test("bad input anywhere in messaging is a 4xx with a message, never a 5xx, and saves nothing", async () => {
  const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
  const c = w.account.client;
  const base = `/t/${w.account.slug}/messaging`;
  const answers = [
    await app().request(`${ORIGIN}/hooks/twilio/${w.hookToken}`, { method: "POST", body: new Uint8Array([0xff, 0xfe, 0x00]) }),
    await app().request(`${ORIGIN}/hooks/twilio/${w.hookToken}`, { method: "POST", body: "x".repeat(300 * 1024) }),
    await app().request(`${ORIGIN}/hooks/whatsapp/${"x".repeat(500)}`, { method: "POST", body: "{}" }),
    await app().request(`${ORIGIN}/hooks/whatsapp/${w.hookToken}?hub.mode=subscribe&hub.verify_token=${w.hookToken}&hub.challenge=<script>`),
    await c.get(`${base}/threads/not-a-uuid`),
    await c.get(`${base}/threads/${Bun.randomUUIDv7()}`),
    await c.get(`${base}/attachments/${Bun.randomUUIDv7()}`),
    await c.get(`${base}/contacts/not-a-uuid`),
    await c.get(`${base}/companies/${w.contactId}`),
    await c.post(`${base}/contacts/${w.contactId}`, { channel: "sms", to: "(415) 555-0100", body: "a\u0000b".repeat(4000), template_id: "nope" }),
    await c.post(`${base}/templates`, { name: "", channel: "fax", body: "x".repeat(20_000) }),
    await c.post(`${base}/templates/${Bun.randomUUIDv7()}/deletion`),
    await c.post(`${base}/settings`, { email_from: "no\r\nBcc: x@evil.example", smtp_host: "bad host", whatsapp_provider: "twilio", whatsapp_api_version: "21" }),
  ];
  for (const r of answers) {
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  }
  const [n] = await t.su`select (select count(*) from messages where tenant_id = ${w.account.tenantId})::int + (select count(*) from message_templates where tenant_id = ${w.account.tenantId})::int + (select count(*) from message_inbox where tenant_id = ${w.account.tenantId})::int as n`;
  expect(n!.n).toBe(0);
});

test("two deliveries from one new sender processed at the same moment make one lead and one thread", async () => {
  const { processInbox } = await import("../../../src/domain/messaging/inbox.ts");
  const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
  await twilioPost(w.hookToken, inbound("SM000000000000000000000000000000c1", "+13125550123", "first"));
  await twilioPost(w.hookToken, inbound("SM000000000000000000000000000000c2", "+13125550123", "second"));
  const rows = await inboxRows(w.account.tenantId);
  await Promise.all(rows.map((r) => processInbox(t.db.app, w.account.tenantId, r.id, new Date())));
  const [n] = await t.su`select (select count(*) from leads where tenant_id = ${w.account.tenantId})::int as leads,
    (select count(*) from message_threads where tenant_id = ${w.account.tenantId})::int as threads,
    (select count(*) from messages where tenant_id = ${w.account.tenantId})::int as messages`;
  expect(n).toEqual({ leads: 1, threads: 1, messages: 2 });
});

test("raw deliveries are deleted 30 days after they arrived, across workspaces; newer ones stay", async () => {
  const { purgeOldInbox } = await import("../../../src/domain/messaging/jobs.ts");
  const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
  await twilioPost(w.hookToken, inbound("SM000000000000000000000000000000d1", "+14155550100", "old"));
  await twilioPost(w.hookToken, inbound("SM000000000000000000000000000000d2", "+14155550100", "new"));
  await t.su`update message_inbox set received_at = now() - interval '31 days' where raw_body like '%Body=old%'`;
  expect(await purgeOldInbox(t.db.owner, new Date())).toBeGreaterThanOrEqual(1);
  const left = await inboxRows(w.account.tenantId);
  expect(left.map((r) => new URLSearchParams(r.raw_body).get("Body"))).toEqual(["new"]);
});
