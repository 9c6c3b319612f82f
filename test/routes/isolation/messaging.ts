import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "./module.ts";

// The messaging module's part of the cross-tenant route table: compose pages and sends on a record, threads,
// logged attachments and templates, with one of each seeded under the marker, and their snapshot.

const SEND = { channel: "sms", to: "+14155550100", body: "Renamed" };

export const messagingIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/messaging/contacts/:id": { ids: (s) => ({ id: s.msgContactId! }) },
    "POST /t/:slug/messaging/contacts/:id": { ids: (s) => ({ id: s.msgContactId! }), body: SEND },
    "GET /t/:slug/messaging/leads/:id": { ids: (s) => ({ id: s.msgLeadId! }) },
    "POST /t/:slug/messaging/leads/:id": { ids: (s) => ({ id: s.msgLeadId! }), body: SEND },
    "GET /t/:slug/messaging/deals/:id": { ids: (s) => ({ id: s.msgDealId! }) },
    "POST /t/:slug/messaging/deals/:id": { ids: (s) => ({ id: s.msgDealId! }), body: SEND },
    "GET /t/:slug/messaging/threads/:id": { ids: (s) => ({ id: s.threadId! }) },
    "GET /t/:slug/messaging/attachments/:id": { ids: (s) => ({ id: s.messageAttachmentId! }) },
    "POST /t/:slug/messaging/templates/:id/deletion": { ids: (s) => ({ id: s.templateId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = {
      msgContactId: Bun.randomUUIDv7(), msgLeadId: Bun.randomUUIDv7(), msgDealId: Bun.randomUUIDv7(), msgPipelineId: Bun.randomUUIDv7(), msgStageId: Bun.randomUUIDv7(),
      threadId: Bun.randomUUIDv7(), messageId: Bun.randomUUIDv7(), messageAttachmentId: Bun.randomUUIDv7(), templateId: Bun.randomUUIDv7(),
    };
    await t.su`insert into contacts (tenant_id, id, first_name, phones, created_at, updated_at) values (${tenantId}, ${ids.msgContactId}, ${`Texted ${marker}`}, ${["+14155550100"]}, now(), now())`;
    await t.su`insert into leads (tenant_id, id, name, phone, created_at, updated_at) values (${tenantId}, ${ids.msgLeadId}, ${`Texted lead ${marker}`}, '+14155550100', now(), now())`;
    await t.su`insert into pipelines (tenant_id, id, name, created_at) values (${tenantId}, ${ids.msgPipelineId}, ${`Msg pipeline ${marker}`}, now())`;
    await t.su`insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability) values (${tenantId}, ${ids.msgStageId}, ${ids.msgPipelineId}, 'S', 0, 10)`;
    await t.su`insert into deals (tenant_id, id, title, pipeline_id, stage_id, created_at, updated_at) values (${tenantId}, ${ids.msgDealId}, ${`Texted deal ${marker}`}, ${ids.msgPipelineId}, ${ids.msgStageId}, now(), now())`;
    await t.su`insert into message_threads (tenant_id, id, channel, counterpart, contact_id, last_message_at, created_at) values (${tenantId}, ${ids.threadId}, 'email', ${`${marker.toLowerCase()}@example.com`}, ${ids.msgContactId}, now(), now())`;
    await t.su`insert into messages (tenant_id, id, thread_id, contact_id, direction, channel, from_address, to_address, subject, body, status, created_at, updated_at)
      values (${tenantId}, ${ids.messageId}, ${ids.threadId}, ${ids.msgContactId}, 'in', 'email', ${`${marker.toLowerCase()}@example.com`}, 'us@example.com', ${`Subject ${marker}`}, ${`Body ${marker}`}, 'received', now(), now())`;
    await t.su`insert into message_attachments (tenant_id, id, message_id, contact_id, filename, content_type, size_bytes, content, created_at)
      values (${tenantId}, ${ids.messageAttachmentId}, ${ids.messageId}, ${ids.msgContactId}, ${`m-${marker}.txt`}, 'text/plain', 4, ${new TextEncoder().encode(marker)}, now())`;
    await t.su`insert into message_templates (tenant_id, id, name, channel, body, created_at, updated_at) values (${tenantId}, ${ids.templateId}, ${`Template ${marker}`}, 'text', ${`Hi ${marker}`}, now(), now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select count(*)::int from messages where contact_id = ${s.msgContactId!} or lead_id = ${s.msgLeadId!} or deal_id = ${s.msgDealId!}) as messages,
      (select count(*)::int from message_templates where id = ${s.templateId!}) as templates,
      (select count(*)::int from message_attachments where id = ${s.messageAttachmentId!}) as files`;
    return row;
  },
};
