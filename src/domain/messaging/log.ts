import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import type { SubjectRef } from "../crm/timeline.ts";
import { addEvent } from "./status.ts";
import type { Channel, MessageStatus, Provider } from "./tables.ts";

// The communication log: threads per record, channel and counterpart; messages; who a phone or an address is.

/** An address as the log keys it: email lower-cased; a phone as + and its digits (provider prefixes dropped). */
export function normalizeAddress(channel: Channel, raw: string): string {
  const s = raw.trim().replace(/^(whatsapp|rcs|sms):/i, "");
  if (channel === "email") return s.toLowerCase();
  const digits = s.replace(/\D/g, "");
  return digits ? `+${digits}` : s;
}

/** The last ten digits: enough to match "+1 415 555 0100" with "(415) 555-0100", as people type them. */
const tail = (phone: string) => phone.replace(/\D/g, "").slice(-10);

export interface Person {
  kind: "contact" | "lead";
  id: string;
}

/**
 * The contacts (first) or leads with this phone or email, in the pinned workspace. Phones go through the search
 * index of digit suffixes (migration 0010), then are compared exactly on their last ten digits.
 */
export async function findPeople(tx: Ctx, channel: Channel, address: string): Promise<Person[]> {
  if (channel === "email") {
    const email = address.toLowerCase();
    // The GIN index answers the usual case (stored as typed or lower-case); the unnest catches mixed case.
    const c = await sql<{ id: string }>`select id from contacts where tenant_id = ${tx.tenantId}
      and (emails && array[${email}, ${address}]::text[] or exists (select 1 from unnest(emails) e where lower(e) = ${email}))
      order by created_at limit 5`.execute(tx.db);
    if (c.rows.length) return c.rows.map((r) => ({ kind: "contact" as const, id: r.id }));
    const l = await sql<{ id: string }>`select id from leads where tenant_id = ${tx.tenantId} and lower(email) = ${email} and converted_at is null order by created_at limit 5`.execute(tx.db);
    return l.rows.map((r) => ({ kind: "lead" as const, id: r.id }));
  }
  const t = tail(address);
  if (t.length < 7) return [];
  const q = `${t}:*`;
  const c = await sql<{ id: string }>`select id from contacts where tenant_id = ${tx.tenantId} and search @@ to_tsquery('simple', ${q})
    and exists (select 1 from unnest(phones) p where right(regexp_replace(p, '\\D', '', 'g'), 10) = ${t}) order by created_at limit 5`.execute(tx.db);
  if (c.rows.length) return c.rows.map((r) => ({ kind: "contact" as const, id: r.id }));
  const l = await sql<{ id: string }>`select id from leads where tenant_id = ${tx.tenantId} and search @@ to_tsquery('simple', ${q})
    and right(regexp_replace(coalesce(phone, ''), '\\D', '', 'g'), 10) = ${t} and converted_at is null order by created_at limit 5`.execute(tx.db);
  return l.rows.map((r) => ({ kind: "lead" as const, id: r.id }));
}

const subjectCols = (ref: SubjectRef) => ({
  contact_id: ref.kind === "contact" ? ref.id : null,
  lead_id: ref.kind === "lead" ? ref.id : null,
  deal_id: ref.kind === "deal" ? ref.id : null,
  company_id: ref.kind === "company" ? ref.id : null,
});

/** The thread of this record, channel and counterpart, created on first use. */
export async function threadFor(tx: Ctx, ref: SubjectRef, channel: Channel, counterpart: string, subject: string | null): Promise<string> {
  const cols = subjectCols(ref);
  const col = sql.ref(`${ref.kind}_id`);
  const found = await sql<{ id: string }>`select id from message_threads where tenant_id = ${tx.tenantId} and ${col} = ${ref.id}
    and channel = ${channel} and counterpart = ${counterpart} order by created_at limit 1`.execute(tx.db);
  if (found.rows[0]) return found.rows[0].id;
  const id = Bun.randomUUIDv7();
  await tx.db
    .insertInto("message_threads")
    .values({ tenant_id: tx.tenantId!, id, channel, counterpart, subject: subject?.slice(0, 300) ?? null, ...cols, last_message_at: tx.now, created_at: tx.now })
    .execute();
  return id;
}

export interface NewMessage {
  ref: SubjectRef;
  direction: "in" | "out";
  channel: Channel;
  from: string;
  to: string;
  subject?: string | null;
  body: string;
  provider?: Provider | null;
  providerMessageId?: string | null;
  status: MessageStatus;
  sentBy?: string | null;
  source: "app" | "job" | "webhook" | "smtp";
}

/**
 * Logs a message on its record's thread with its first event. With a provider message id it is idempotent: a
 * second delivery of the same provider message returns null and adds nothing.
 */
export async function logMessage(tx: Ctx, m: NewMessage): Promise<{ id: string; threadId: string } | null> {
  const counterpart = m.direction === "out" ? m.to : m.from;
  const threadId = await threadFor(tx, m.ref, m.channel, counterpart, m.subject ?? null);
  const id = Bun.randomUUIDv7();
  const inserted = await tx.db
    .insertInto("messages")
    .values({
      tenant_id: tx.tenantId!,
      id,
      thread_id: threadId,
      ...subjectCols(m.ref),
      direction: m.direction,
      channel: m.channel,
      from_address: m.from.slice(0, 320),
      to_address: m.to.slice(0, 320),
      subject: m.subject?.slice(0, 300) ?? null,
      body: m.body.slice(0, 100_000),
      provider: m.provider ?? null,
      provider_message_id: m.providerMessageId ?? null,
      status: m.status,
      error: null,
      sent_by: m.sentBy ?? null,
      created_at: tx.now,
      updated_at: tx.now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "provider", "provider_message_id"]).where("provider_message_id", "is not", null).doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return null;
  await addEvent(tx, id, m.status, m.source);
  await tx.db.updateTable("message_threads").set({ last_message_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", threadId).execute();
  return { id, threadId };
}
