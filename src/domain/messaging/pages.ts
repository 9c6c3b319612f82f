import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { parseValues, PLURALS, workspaceZone, type SubjectRef } from "../crm/timeline.ts";
import { authorize, can } from "../tenancy/permissions.ts";
import { optOuts, recordInfo, type RecordInfo } from "./records.ts";
import { channelBlocked, CHANNELS, optOutReason } from "./send.ts";
import { loadSettings } from "./settings.ts";
import type { Channel, EventStatus, MessageStatus } from "./tables.ts";

// What the messaging pages read: the compose form's choices, a thread with its messages and events, templates.

export interface ComposeData {
  record: RecordInfo;
  plural: string;
  /** Per channel: why it cannot be used, or null. */
  blocked: Record<Channel, string | null>;
  /** Per channel and address: why that person cannot be messaged there (opt-outs). */
  stopped: { channel: Channel; address: string; reason: string }[];
  templates: { id: string; name: string; channel: "email" | "text"; subject: string | null; body: string }[];
  canSend: boolean;
}

export async function composeData(ctx: Ctx, ref: SubjectRef): Promise<ComposeData> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const record = await recordInfo(tx, ref);
    const s = await loadSettings(tx);
    const blocked = Object.fromEntries(CHANNELS.map((c) => [c, channelBlocked(s, c)])) as Record<Channel, string | null>;
    const stopped: ComposeData["stopped"] = [];
    for (const channel of CHANNELS) {
      const addrs = channel === "email" ? record.emails : record.phones;
      const scope: Channel = channel === "rcs" ? "sms" : channel;
      const outs = await optOuts(tx, scope, addrs);
      for (const a of addrs) {
        const o = outs.get(a);
        if (o) stopped.push({ channel, address: a, reason: optOutReason(channel, o.keyword, o.at) });
      }
    }
    const templates = await tx.db.selectFrom("message_templates").select(["id", "name", "channel", "subject", "body"]).where("tenant_id", "=", tx.tenantId!).orderBy("name").orderBy("id").limit(200).execute();
    return { record, plural: PLURALS[record.ref.kind], blocked, stopped, templates, canSend: can(tx.actor?.role, "records.edit") };
  });
}

export interface ThreadView {
  id: string;
  channel: Channel;
  counterpart: string;
  subject: string | null;
  record: { kind: "contact" | "lead" | "deal" | "company"; id: string; plural: string } | null;
  timeZone: string;
  messages: {
    id: string;
    direction: "in" | "out";
    from: string;
    to: string;
    subject: string | null;
    body: string;
    status: MessageStatus;
    error: string | null;
    at: Date;
    attachments: { id: string; filename: string; sizeBytes: number }[];
    events: { status: EventStatus; detail: string | null; at: Date }[];
  }[];
}

/** A thread with its latest 100 messages, oldest first, each with its events. */
export async function threadView(ctx: Ctx, id: string): Promise<ThreadView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const t = await tx.db.selectFrom("message_threads").selectAll().where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!t) throw new NotFound();
    const msgs = (await tx.db.selectFrom("messages").select(["id", "direction", "from_address", "to_address", "subject", "body", "status", "error", "created_at"]).where("tenant_id", "=", tx.tenantId!).where("thread_id", "=", id).orderBy("created_at", "desc").orderBy("id", "desc").limit(100).execute()).reverse();
    const ids = msgs.map((m) => m.id);
    const events = ids.length ? await tx.db.selectFrom("message_events").select(["message_id", "status", "detail", "occurred_at"]).where("tenant_id", "=", tx.tenantId!).where("message_id", "in", ids).orderBy("id").execute() : [];
    const files = ids.length ? await tx.db.selectFrom("message_attachments").select(["id", "message_id", "filename", "size_bytes"]).where("tenant_id", "=", tx.tenantId!).where("message_id", "in", ids).orderBy("id").execute() : [];
    const kind = t.contact_id ? "contact" : t.lead_id ? "lead" : t.deal_id ? "deal" : t.company_id ? "company" : null;
    const recordId = t.contact_id ?? t.lead_id ?? t.deal_id ?? t.company_id;
    return {
      id: t.id,
      channel: t.channel,
      counterpart: t.counterpart,
      subject: t.subject,
      record: kind && recordId ? { kind, id: recordId, plural: PLURALS[kind] } : null,
      timeZone: await workspaceZone(tx),
      messages: msgs.map((m) => ({
        id: m.id,
        direction: m.direction,
        from: m.from_address,
        to: m.to_address,
        subject: m.subject,
        body: m.body,
        status: m.status,
        error: m.error,
        at: m.created_at,
        attachments: files.filter((f) => f.message_id === m.id).map((f) => ({ id: f.id, filename: f.filename, sizeBytes: f.size_bytes })),
        events: events.filter((e) => e.message_id === m.id).map((e) => ({ status: e.status, detail: e.detail, at: e.occurred_at })),
      })),
    };
  });
}

/** One attachment of a logged email, for download. */
export async function messageAttachment(ctx: Ctx, id: string) {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const f = await tx.db.selectFrom("message_attachments").select(["filename", "content_type", "content"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!f) throw new NotFound();
    await audit(tx, "message_attachment.downloaded", { type: "message_attachment", id });
    return f;
  });
}

// ---- templates ----

const TemplateForm = z.object({
  name: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().min(1, { error: "Give the template a name." }).max(100, { error: "Use at most 100 characters." })),
  channel: z.enum(["email", "text"], { error: "Choose email or text message." }),
  subject: z.preprocess((v) => (typeof v === "string" ? v.trim() || null : null), z.string().max(300, { error: "Use at most 300 characters." }).nullable()),
  body: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().min(1, { error: "Write the template's text." }).max(10_000, { error: "Use at most 10,000 characters." })),
});

export async function listTemplates(ctx: Ctx) {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => tx.db.selectFrom("message_templates").select(["id", "name", "channel", "subject", "body"]).where("tenant_id", "=", tx.tenantId!).orderBy("name").orderBy("id").limit(200).execute());
}

export async function createTemplate(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "settings.manage");
  const input = parseValues(TemplateForm, values);
  return inTransaction(ctx, async (tx) => {
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("message_templates").values({ tenant_id: tx.tenantId!, id, ...input, subject: input.channel === "email" ? input.subject : null, created_at: tx.now, updated_at: tx.now }).execute();
    await audit(tx, "message_template.created", { type: "message_template", id }, { name: input.name, channel: input.channel });
    return id;
  });
}

export async function deleteTemplate(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const r = await tx.db.deleteFrom("message_templates").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning("name").executeTakeFirst();
    if (!r) throw new NotFound();
    await audit(tx, "message_template.deleted", { type: "message_template", id }, { name: r.name });
  });
}
