import { describe, expect, test } from "bun:test";
import { twilioSignature } from "../../../src/domain/messaging/signatures.ts";
import { ORIGIN, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { queuedJobs } from "../../support/jobs.ts";
import { downloadExport, exportLink } from "../privacy/export-support.ts";
import { messagingWorld, runJobs, TWILIO_TOKEN, twilioSettings, type World } from "./fixture.ts";

const t = useTestDatabase();
const app = () => testApp({ db: t.db });

async function inboundSms(w: World, sid: string, from: string, body: string) {
  const path = `/hooks/twilio/${w.hookToken}`;
  const params = { MessageSid: sid, From: from, To: "+15005550006", Body: body, SmsStatus: "received" };
  const res = await app().request(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(TWILIO_TOKEN, `${ORIGIN}${path}`, Object.entries(params)) },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
}

/** The contact texts (and opts out), gets a logged email with a file; a bystander texts too. */
async function seedConversation(w: World, marker: string) {
  await inboundSms(w, "SM000000000000000000000000000000a1", "+14155550100", `Question ${marker}`);
  await inboundSms(w, "SM000000000000000000000000000000a2", "+14155550100", "STOP");
  await inboundSms(w, "SM000000000000000000000000000000a3", "+12125550111", "BYSTANDER-TEXT");
  await runJobs(t);
  const [m] = await t.su`select id, thread_id from messages where contact_id = ${w.contactId} limit 1`;
  const file = Bun.randomUUIDv7();
  await t.su`insert into message_attachments (tenant_id, id, message_id, contact_id, filename, content_type, size_bytes, content, created_at)
    values (${w.account.tenantId}, ${file}, ${m!.id}, ${w.contactId}, ${`plan-${marker}.txt`}, 'text/plain', 9, ${new TextEncoder().encode(`FILE-${marker}`)}, now())`;
  return { messageId: m!.id as string, threadId: m!.thread_id as string, file };
}

describe("messages and the rights of people in the CRM (P23)", () => {
  test("P23 a contact's export holds their messages, threads, logged files, opt-outs and raw deliveries, and no one else's", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    const s = await seedConversation(w, "MSGEXPORT");
    const res = await w.account.client.post(`/t/${w.account.slug}/privacy/people/contact/${w.contactId}/exports`);
    expect(res.status).toBe(303);
    await runJobs(t);
    const { doc, text } = await downloadExport(w.account.client, await exportLink(t, w.account.user.email));
    expect(doc.tables.messages!.map((r) => r.body).sort()).toEqual(["Question MSGEXPORT", "STOP"]);
    expect(doc.tables.message_threads!.map((r) => r.id)).toEqual([s.threadId]);
    expect(doc.tables.message_attachments!.map((r) => r.id)).toEqual([s.file]);
    expect(Buffer.from(doc.tables.message_attachments![0]!.content as string, "base64").toString()).toBe("FILE-MSGEXPORT");
    expect(doc.tables.message_opt_outs!.map((r) => r.channel).sort()).toEqual(["rcs", "sms"]);
    expect(doc.tables.message_inbox).toHaveLength(2);
    expect(text).not.toContain("BYSTANDER-TEXT");
    expect(text).not.toContain("2125550111");
    // Job payloads carried ids only, never the phone numbers or bodies.
    expect(JSON.stringify((await queuedJobs(t)).map((j) => j.payload))).not.toMatch(/4155550100|MSGEXPORT/);
  });

  test("P23 erasing the contact removes their messages, threads, events, files, opt-outs and raw deliveries; the bystander's stay", async () => {
    const w = await messagingWorld(t, app(), twilioSettings("http://127.0.0.1:9"));
    const s = await seedConversation(w, "MSGERASE");
    const res = await w.account.client.post(`/t/${w.account.slug}/privacy/people/contact/${w.contactId}/erasure`, {});
    expect(res.status).toBe(303);
    await runJobs(t);
    const [left] = await t.su`select
      (select count(*) from messages where tenant_id = ${w.account.tenantId} and body like '%MSGERASE%')::int as messages,
      (select count(*) from message_threads where id = ${s.threadId})::int as threads,
      (select count(*) from message_events where message_id = ${s.messageId})::int as events,
      (select count(*) from message_attachments where id = ${s.file})::int as files,
      (select count(*) from message_opt_outs where tenant_id = ${w.account.tenantId})::int as opt_outs,
      (select count(*) from message_inbox where tenant_id = ${w.account.tenantId} and raw_body like '%4155550100%')::int as inbox,
      (select count(*) from messages where tenant_id = ${w.account.tenantId} and body = 'BYSTANDER-TEXT')::int as bystander`;
    expect(left).toEqual({ messages: 0, threads: 0, events: 0, files: 0, opt_outs: 0, inbox: 0, bystander: 1 });
  });
});
