import { createHash } from "node:crypto";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { enqueue } from "../queue.ts";
import { findPeople, logMessage, normalizeAddress, type Person } from "./log.ts";
import { verifyMeta, verifyTwilio } from "./signatures.ts";
import { reportStatus } from "./status.ts";
import type { Channel, EventStatus } from "./tables.ts";

// Provider webhooks (issue 8, item 3). The URL's random token names the workspace (never the body); the signature
// is checked on the raw bytes with that workspace's secret; the raw delivery goes into message_inbox and a job
// processes it, so the provider gets its 200 at once. A redelivery has the same dedupe key and is dropped.

export type HookProvider = "twilio" | "whatsapp_cloud";
export const MAX_HOOK_BYTES = 256 * 1024;

export type HookVerdict = { status: 200; inboxId: string | null } | { status: 400 | 403 | 404; error: string };

interface HookRequest {
  /** The full URL the provider called (PUBLIC_URL + path + query): Twilio signs it. */
  url: string;
  raw: Uint8Array;
  contentType: string | null;
  signature: string | undefined;
}

/** Checks, stores and enqueues one delivery. Answers 404 for an unknown token, 403 for a bad signature. */
export async function receiveHook(db: DB, provider: HookProvider, token: string, req: HookRequest, now: Date): Promise<HookVerdict> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return { status: 404, error: "unknown webhook" };
  const found = await sql<{ tenant_id: string; twilio_auth_token: string | null; whatsapp_app_secret: string | null }>`select * from app_private.messaging_hook(${token})`.execute(db);
  const hook = found.rows[0];
  const secret = provider === "twilio" ? hook?.twilio_auth_token : hook?.whatsapp_app_secret;
  if (!hook || !secret) return { status: 404, error: "unknown webhook" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(req.raw);
  } catch {
    return { status: 400, error: "body is not UTF-8" };
  }
  let dedupe: string;
  if (provider === "twilio") {
    const params = [...new URLSearchParams(text)];
    if (!verifyTwilio(secret, req.url, params, req.signature)) return { status: 403, error: "bad signature" };
    const get = (k: string) => params.find(([n]) => n === k)?.[1];
    const sid = get("MessageSid") ?? get("SmsSid");
    if (!sid) return { status: 400, error: "no MessageSid" };
    dedupe = `${sid}:${get("MessageStatus") ?? get("SmsStatus") ?? "received"}`;
  } else {
    if (!verifyMeta(secret, req.raw, req.signature)) return { status: 403, error: "bad signature" };
    try {
      JSON.parse(text);
    } catch {
      return { status: 400, error: "body is not JSON" };
    }
    // Meta redelivers the identical body; its hash is the key.
    dedupe = createHash("sha256").update(req.raw).digest("hex");
  }
  const ctx = systemCtx(db, now, hook.tenant_id);
  const inboxId = await inTransaction(ctx, async (tx) => {
    const id = Bun.randomUUIDv7();
    const row = await tx.db
      .insertInto("message_inbox")
      .values({ tenant_id: hook.tenant_id, id, provider, dedupe_key: dedupe.slice(0, 300), content_type: req.contentType?.slice(0, 200) ?? null, raw_body: text, contact_id: null, lead_id: null, received_at: now, processed_at: null, outcome: null })
      .onConflict((oc) => oc.columns(["tenant_id", "provider", "dedupe_key"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (row) await enqueue(tx, "messaging-inbox", { tenantId: hook.tenant_id, inboxId: id });
    return row?.id ?? null;
  });
  return { status: 200, inboxId };
}

// ---- processing ----

/** Carrier opt-out and opt-in keywords (Twilio's defaults), matched on the whole trimmed body. */
const STOP = new Set(["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"]);
const START = new Set(["START", "YES", "UNSTOP"]);

const TWILIO_STATUS: Record<string, EventStatus> = {
  accepted: "queued", scheduled: "queued", queued: "queued", sending: "sent", sent: "sent", delivered: "delivered",
  read: "read", failed: "failed", undelivered: "undelivered", canceled: "failed", received: "received",
};
const CLOUD_STATUS: Record<string, EventStatus> = { sent: "sent", delivered: "delivered", read: "read", failed: "failed" };

interface Inbound {
  channel: Channel;
  from: string;
  to: string;
  body: string;
  providerMessageId: string;
  name?: string | null;
}

interface StatusReport {
  providerMessageId: string;
  status: EventStatus;
  detail: string | null;
}

function parseTwilio(raw: string): { inbound: Inbound[]; statuses: StatusReport[] } {
  const p = new URLSearchParams(raw);
  const sid = p.get("MessageSid") ?? p.get("SmsSid") ?? "";
  const status = p.get("MessageStatus") ?? p.get("SmsStatus") ?? "received";
  if (status === "received" && p.has("Body")) {
    const from = p.get("From") ?? "";
    const channel: Channel = from.startsWith("whatsapp:") ? "whatsapp" : from.startsWith("rcs:") ? "rcs" : "sms";
    return { inbound: [{ channel, from: normalizeAddress(channel, from), to: (p.get("To") ?? "").replace(/^(whatsapp|rcs):/, ""), body: p.get("Body") ?? "", providerMessageId: sid, name: p.get("ProfileName") }], statuses: [] };
  }
  const code = p.get("ErrorCode");
  return { inbound: [], statuses: [{ providerMessageId: sid, status: TWILIO_STATUS[status] ?? "ignored", detail: code ? `error ${code}` : `twilio: ${status.slice(0, 40)}` }] };
}

function parseCloud(raw: string): { inbound: Inbound[]; statuses: StatusReport[] } {
  const inbound: Inbound[] = [];
  const statuses: StatusReport[] = [];
  const j = JSON.parse(raw) as { entry?: { changes?: { value?: Record<string, unknown> }[] }[] };
  for (const entry of j.entry ?? []) {
    for (const change of entry.changes ?? []) {
      const v = (change.value ?? {}) as {
        metadata?: { display_phone_number?: string };
        contacts?: { wa_id?: string; profile?: { name?: string } }[];
        messages?: { from?: string; id?: string; type?: string; text?: { body?: string }; button?: { text?: string } }[];
        statuses?: { id?: string; status?: string; errors?: { code?: number; title?: string }[] }[];
      };
      for (const m of v.messages ?? []) {
        if (!m.id || !m.from) continue;
        const body = m.text?.body ?? m.button?.text ?? `[${String(m.type ?? "message").slice(0, 20)}]`;
        const name = v.contacts?.find((c) => c.wa_id === m.from)?.profile?.name ?? null;
        inbound.push({ channel: "whatsapp", from: normalizeAddress("whatsapp", m.from), to: normalizeAddress("whatsapp", v.metadata?.display_phone_number ?? "business"), body, providerMessageId: m.id, name });
      }
      for (const s of v.statuses ?? []) {
        if (!s.id || !s.status) continue;
        const e = s.errors?.[0];
        statuses.push({ providerMessageId: s.id, status: CLOUD_STATUS[s.status] ?? "ignored", detail: e ? `error ${e.code ?? ""} ${e.title ?? ""}`.trim() : `whatsapp: ${s.status.slice(0, 40)}` });
      }
    }
  }
  return { inbound, statuses };
}

/** The job's work for one inbox row: idempotent (a processed row is skipped; a provider message id is logged once). */
export async function processInbox(db: DB, tenantId: string, inboxId: string, now: Date): Promise<string> {
  return inTransaction(systemCtx(db, now, tenantId), async (tx) => {
    const row = await tx.db.selectFrom("message_inbox").select(["provider", "raw_body", "processed_at"]).where("tenant_id", "=", tenantId).where("id", "=", inboxId).forUpdate().executeTakeFirst();
    if (!row || row.processed_at) return "already processed";
    let parsed: { inbound: Inbound[]; statuses: StatusReport[] };
    try {
      parsed = row.provider === "twilio" ? parseTwilio(row.raw_body) : parseCloud(row.raw_body);
    } catch {
      parsed = { inbound: [], statuses: [] };
    }
    const provider = row.provider;
    const outcomes: string[] = [];
    let person: Person | null = null;
    for (const m of parsed.inbound) {
      const r = await receiveMessage(tx, provider, m);
      person ??= r.person;
      outcomes.push(r.outcome);
    }
    for (const s of parsed.statuses) {
      const msg = await tx.db.selectFrom("messages").select("id").where("tenant_id", "=", tenantId).where("provider", "=", provider).where("provider_message_id", "=", s.providerMessageId).executeTakeFirst();
      if (!msg) {
        outcomes.push("status for an unknown message");
        continue;
      }
      const moved = await reportStatus(tx, msg.id, s.status, "webhook", s.detail, s.status === "failed" || s.status === "undelivered" ? s.detail : null);
      outcomes.push(moved ? `status ${s.status}` : `status ${s.status} kept as event only`);
    }
    const outcome = (outcomes.join("; ") || "nothing to do").slice(0, 300);
    await tx.db
      .updateTable("message_inbox")
      .set({ processed_at: now, outcome, contact_id: person?.kind === "contact" ? person.id : null, lead_id: person?.kind === "lead" ? person.id : null })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", inboxId)
      .execute();
    return outcome;
  });
}

/** An inbound message: opt-out keywords, then attach to the contact or lead with that address, or a new lead. */
async function receiveMessage(tx: Ctx, provider: HookProvider, m: Inbound): Promise<{ person: Person; outcome: string }> {
  const keyword = m.body.trim().toUpperCase();
  // Two deliveries from one new sender, processed at once, must make one lead and one thread, not two.
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${tx.tenantId}|${m.channel}|${m.from}`}, 0))`.execute(tx.db);
  let person = (await findPeople(tx, m.channel, m.from))[0] ?? null;
  let outcome = "attached";
  if (!person) {
    const id = Bun.randomUUIDv7();
    const name = (m.name?.trim() || m.from).slice(0, 200);
    await tx.db
      .insertInto("leads")
      .values({ tenant_id: tx.tenantId!, id, name, phone: m.from.slice(0, 50), source: m.channel, created_by: null, created_at: tx.now, updated_at: tx.now } as never)
      .execute();
    await audit(tx, "lead.created", { type: "lead", id }, { source: m.channel, via: "inbound message" });
    person = { kind: "lead", id };
    outcome = "new lead";
  }
  const logged = await logMessage(tx, { ref: person, direction: "in", channel: m.channel, from: m.from, to: m.to || "business", body: m.body, provider, providerMessageId: m.providerMessageId, status: "received", source: "webhook" });
  if (!logged) return { person, outcome: "duplicate" };
  await audit(tx, "message.received", { type: person.kind, id: person.id }, { message: logged.id, channel: m.channel });
  // SMS opt-outs cover RCS from the same sender: carriers treat them as one number.
  const scopes: Channel[] = m.channel === "whatsapp" ? ["whatsapp"] : ["sms", "rcs"];
  if (STOP.has(keyword)) {
    for (const channel of scopes) {
      await tx.db
        .insertInto("message_opt_outs")
        .values({ tenant_id: tx.tenantId!, channel, address: normalizeAddress(channel, m.from), contact_id: person.kind === "contact" ? person.id : null, lead_id: person.kind === "lead" ? person.id : null, keyword, created_at: tx.now })
        .onConflict((oc) => oc.columns(["tenant_id", "channel", "address"]).doNothing())
        .execute();
    }
    await audit(tx, "message.opted_out", { type: person.kind, id: person.id }, { channels: scopes, keyword });
    outcome += ", opted out";
  } else if (START.has(keyword)) {
    const r = await tx.db.deleteFrom("message_opt_outs").where("tenant_id", "=", tx.tenantId!).where("channel", "in", scopes).where("address", "=", normalizeAddress(m.channel, m.from)).executeTakeFirst();
    if (Number(r.numDeletedRows)) {
      await audit(tx, "message.opted_in", { type: person.kind, id: person.id }, { channels: scopes, keyword });
      outcome += ", opted back in";
    }
  }
  return { person, outcome };
}
