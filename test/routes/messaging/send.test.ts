import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { memberOf } from "../../support/factories.ts";
import { makeJobsDue, queuedJobs } from "../../support/jobs.ts";
import { startSmtp } from "../../support/smtp.ts";
import { startFakeProviders } from "../../domain/messaging/provider-fake.ts";
import { cloudSettings, messagingWorld, runJobs, twilioSettings, TWILIO_TOKEN } from "./fixture.ts";

const t = useTestDatabase();
const fake = startFakeProviders();
const smtp = await startSmtp();
afterAll(async () => {
  await fake.stop();
  await smtp.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.script.length = 0;
});

const app = () => testApp({ db: t.db });
const messages = (tenantId: string) =>
  t.su<{ id: string; status: string; channel: string; provider: string | null; provider_message_id: string | null; body: string; error: string | null; to_address: string }[]>`
    select id, status, channel, provider, provider_message_id, body, error, to_address from messages where tenant_id = ${tenantId} order by created_at`;
const events = (messageId: string) => t.su<{ status: string; detail: string | null }[]>`select status, detail from message_events where message_id = ${messageId} order by id`;

describe("messaging settings", () => {
  test("an admin saves provider credentials; the page never shows a secret again in full, and the audit says only that it changed", async () => {
    const w = await messagingWorld(t, app());
    const base = `/t/${w.account.slug}/messaging/settings`;
    const res = await w.account.client.post(base, { twilio_account_sid: "AC0123456789abcdef0123456789abcdef", twilio_auth_token: "super-secret-token-9876", twilio_sms_from: "+15005550006", whatsapp_provider: "twilio", smtp_password: "smtp-pass-5555" });
    expect(res.status).toBe(303);
    const html = await (await w.account.client.get(base)).text();
    expect(html).not.toContain("super-secret-token-9876");
    expect(html).not.toContain("smtp-pass-5555");
    expect(html).toContain("•••• 9876");
    expect(html).toContain(`/hooks/twilio/${w.hookToken}`);
    // A blank secret keeps the stored one.
    await w.account.client.post(base, { twilio_account_sid: "AC0123456789abcdef0123456789abcdef", twilio_auth_token: "", whatsapp_provider: "twilio" });
    const [row] = await t.su`select twilio_auth_token from messaging_settings where tenant_id = ${w.account.tenantId}`;
    expect(row!.twilio_auth_token).toBe("super-secret-token-9876");
    const audits = await t.su`select changes::text as c from audit_events where tenant_id = ${w.account.tenantId} and action = 'messaging_settings.updated'`;
    expect(audits.length).toBe(2);
    expect(audits.map((a) => a.c).join()).not.toContain("super-secret");
    expect(audits.map((a) => a.c).join()).not.toContain("smtp-pass");
  });

  test("bad values re-render the form with messages (422); nothing is saved; a member cannot change settings (403)", async () => {
    const w = await messagingWorld(t, app());
    const base = `/t/${w.account.slug}/messaging/settings`;
    const res = await w.account.client.post(base, { twilio_base_url: "ftp://x", smtp_port: "99999", whatsapp_provider: "carrier-pigeon", twilio_account_sid: "AC0123456789abcdef0123456789abcdef" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter an http(s) URL");
    expect(html).toContain("Enter a port between 1 and 65535.");
    const [row] = await t.su`select twilio_account_sid from messaging_settings where tenant_id = ${w.account.tenantId}`;
    expect(row!.twilio_account_sid).toBeNull();
    const member = await memberOf(t, app(), w.account, "member");
    const denied = await member.client.post(base, { twilio_account_sid: "AC0123456789abcdef0123456789abcdef", whatsapp_provider: "twilio" });
    expect(denied.status).toBe(403);
    const seen = await (await member.client.get(base)).text();
    expect(seen).not.toContain(w.hookToken); // the webhook token is for admins
    const [after] = await t.su`select twilio_account_sid from messaging_settings where tenant_id = ${w.account.tenantId}`;
    expect(after!.twilio_account_sid).toBeNull();
  });
});

describe("sending from a record", () => {
  test("P21 with nothing configured, the compose page says why each channel cannot be used, a send is refused, and no request leaves", async () => {
    const w = await messagingWorld(t, app());
    const page = `/t/${w.account.slug}/messaging/contacts/${w.contactId}`;
    const html = await (await w.account.client.get(page)).text();
    expect(html).toContain("SMS, WhatsApp and RCS need a Twilio account SID and auth token");
    expect(html).toContain("Email needs the workspace&#39;s SMTP server");
    const res = await w.account.client.post(page, { channel: "sms", to: "(415) 555-0100", body: "Hi" });
    expect(res.status).toBe(422);
    await runJobs(t);
    expect((await messages(w.account.tenantId)).length).toBe(0);
    expect(fake.requests).toEqual([]);
  });

  test("an SMS from a contact page is queued with a template filled in, sent once by the job to the configured host, and shown on the timeline; a rerun sends nothing more", async () => {
    const w = await messagingWorld(t, app(), twilioSettings(fake.url));
    const c = w.account.client;
    await c.post(`/t/${w.account.slug}/messaging/templates`, { name: "Hello", channel: "text", body: "Hi {{first_name}}, it's {{sender}} from {{company}}." });
    const [tpl] = await t.su`select id from message_templates where tenant_id = ${w.account.tenantId}`;
    const compose = await (await c.get(`/t/${w.account.slug}/messaging/contacts/${w.contactId}?template_id=${tpl!.id}`)).text();
    expect(compose).toContain("Hi {{first_name}}");
    const res = await c.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "sms", to: "(415) 555-0100", body: "", template_id: tpl!.id });
    expect(res.status).toBe(303);
    const jobs = (await queuedJobs(t)).filter((j) => j.task.startsWith("messaging"));
    expect(jobs.map((j) => j.task)).toEqual(["messaging-send"]);
    expect(JSON.stringify(jobs[0]!.payload)).not.toContain("Ada"); // ids only
    await runJobs(t);
    const [m] = await messages(w.account.tenantId);
    expect(m!.body).toBe(`Hi Ada, it's ${w.account.user.name} from .`);
    expect(m!.status).toBe("queued"); // Twilio answers "queued"; callbacks move it on
    expect(m!.provider_message_id).toMatch(/^SM/);
    expect(fake.requests.length).toBe(1);
    expect(fake.requests[0]!.form!.get("To")).toBe("(415) 555-0100");
    expect(fake.requests[0]!.form!.get("StatusCallback")).toBe(`http://localhost:3000/hooks/twilio/${w.hookToken}`);
    expect(fake.requests[0]!.authorization).toBe(`Basic ${Buffer.from(`AC0123456789abcdef0123456789abcdef:${TWILIO_TOKEN}`).toString("base64")}`);
    // The same job again (a retry after a crash past the provider call): nothing is sent twice.
    await t.su`select graphile_worker.add_job('messaging-send', json_build_object('tenantId', ${w.account.tenantId}::text, 'messageId', ${m!.id}::text))`;
    await runJobs(t);
    expect(fake.requests.length).toBe(1);
    const timeline = await (await c.get(`/t/${w.account.slug}/crm/contacts/${w.contactId}`)).text();
    expect(timeline).toContain("SMS</strong> to (415) 555-0100");
    expect(timeline).toContain(`/messaging/threads/`);
    const audits = await t.su`select action from audit_events where tenant_id = ${w.account.tenantId} and action like 'message%' order by id`;
    expect(audits.map((a) => a.action)).toEqual(["message_template.created", "message.queued"]);
  });

  test("a 429 is retried after its Retry-After, then sent: two requests, one provider message", async () => {
    const w = await messagingWorld(t, app(), twilioSettings(fake.url));
    fake.script.push("rate-limit");
    await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "sms", to: "(415) 555-0100", body: "Hello" });
    const now = new Date();
    await runJobs(t, () => now);
    // The retry is the job under the message's key (graphile-worker may still hold the finished attempt, keyless
    // and spent, for a moment).
    const [m0] = await messages(w.account.tenantId);
    const job = (await queuedJobs(t)).find((j) => j.key === `messaging-send:${m0!.id}`);
    expect(job!.run_at.getTime() - now.getTime()).toBe(7000);
    let [m] = await messages(w.account.tenantId);
    expect(m!.status).toBe("queued");
    expect(m!.provider).toBeNull();
    await makeJobsDue(t);
    await runJobs(t);
    [m] = await messages(w.account.tenantId);
    expect(m!.provider_message_id).toMatch(/^SM/);
    expect(fake.requests.length).toBe(2);
    expect((await events(m!.id)).map((e) => e.status)).toEqual(["queued", "retrying", "queued"]);
  });

  test("a send whose outcome is unknown (no answer, or a crash mid-call) is never sent again: failed, saying why", async () => {
    const w = await messagingWorld(t, app(), twilioSettings(fake.url));
    fake.script.push("hang");
    await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "sms", to: "(415) 555-0100", body: "One" });
    await runJobs(t, undefined, 100);
    let [m] = await messages(w.account.tenantId);
    expect(m!.status).toBe("failed");
    expect(m!.error).toContain("not sent again, to avoid a duplicate");
    // A crash after the claim: the message is claimed (provider set) but has no provider id.
    await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "sms", to: "(415) 555-0100", body: "Two" });
    const second = (await messages(w.account.tenantId))[1]!;
    await t.su`update messages set provider = 'twilio' where id = ${second.id}`;
    const before = fake.requests.length;
    await runJobs(t);
    [, m] = await messages(w.account.tenantId);
    expect(m!.status).toBe("failed");
    expect(m!.error).toContain("previous attempt got no answer");
    expect(fake.requests.length).toBe(before);
  });

  test("email goes through the workspace's own SMTP server (a real one) with a stable Message-ID", async () => {
    const port = Number(new URL(smtp.url).port);
    const w = await messagingWorld(t, app(), { smtp_host: "127.0.0.1", smtp_port: port, email_from: "Sales <sales@example.com>" });
    const res = await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "email", to: "ada@example.com", subject: "Quote for {{company}}{{first_name}}", body: "Dear {{name}}" });
    expect(res.status).toBe(303);
    const count = smtp.messages.length;
    await runJobs(t);
    const [mail] = (await smtp.waitFor(count + 1)).slice(count);
    expect(mail!.subject).toBe("Quote for Ada");
    expect(mail!.text?.trim()).toBe("Dear Ada Lovelace");
    const [m] = await messages(w.account.tenantId);
    expect(mail!.messageId).toBe(`<${m!.id}@steward>`);
    expect(m!.status).toBe("sent");
    expect(m!.provider_message_id).toBe(`<${m!.id}@steward>`);
  });

  test("an email without a subject, an address that is not the record's, or a body too long: 422 with the field's message, nothing queued", async () => {
    const w = await messagingWorld(t, app(), { smtp_host: "127.0.0.1", smtp_port: 2525, email_from: "sales@example.com" });
    const page = `/t/${w.account.slug}/messaging/contacts/${w.contactId}`;
    const a = await w.account.client.post(page, { channel: "email", to: "ada@example.com", subject: "", body: "x" });
    expect(a.status).toBe(422);
    expect(await a.text()).toContain("An email needs a subject.");
    const b = await w.account.client.post(page, { channel: "email", to: "someone@else.com", subject: "s", body: "x" });
    expect(b.status).toBe(422);
    expect(await b.text()).toContain("Choose one of Ada Lovelace");
    const c = await w.account.client.post(page, { channel: "email", to: "ada@example.com", subject: "s", body: "x".repeat(10_001) });
    expect(c.status).toBe(422);
    const d = await w.account.client.post(page, { channel: "pigeon", to: "ada@example.com" });
    expect(d.status).toBe(422);
    expect((await messages(w.account.tenantId)).length).toBe(0);
  });

  test("RCS falls back to SMS when the RCS sender is refused; WhatsApp goes through the Cloud API when chosen", async () => {
    const w = await messagingWorld(t, app(), { ...twilioSettings(fake.url), ...cloudSettings(fake.url) });
    fake.script.push("rcs-refused");
    await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "rcs", to: "(415) 555-0100", body: "Rich" });
    await w.account.client.post(`/t/${w.account.slug}/messaging/contacts/${w.contactId}`, { channel: "whatsapp", to: "(415) 555-0100", body: "Wa" });
    await runJobs(t);
    const [rcs, wa] = await messages(w.account.tenantId);
    expect(rcs!.channel).toBe("sms");
    expect(rcs!.provider_message_id).toMatch(/^SM/);
    expect((await events(rcs!.id)).map((e) => e.status)).toEqual(["queued", "fallback", "queued"]);
    expect(fake.requests.filter((r) => r.form).map((r) => r.form!.get("From"))).toEqual(["rcs:steward_agent", "+15005550006"]);
    expect(wa!.provider).toBe("whatsapp_cloud");
    expect(wa!.provider_message_id).toMatch(/^wamid\./);
    expect(wa!.status).toBe("sent");
  });
});
