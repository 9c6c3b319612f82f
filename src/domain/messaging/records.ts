import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import type { SubjectRef } from "../crm/timeline.ts";
import { normalizeAddress } from "./log.ts";
import type { Channel } from "./tables.ts";

// What a message to a record can use: the record's addresses (a deal's are its contacts') and the fields a
// template fills in.

export type MessageRecordKind = "contact" | "lead" | "deal";

export interface RecordInfo {
  ref: { kind: MessageRecordKind; id: string };
  label: string;
  emails: string[];
  phones: string[];
  fields: Record<string, string>;
}

export async function recordInfo(tx: Ctx, ref: SubjectRef): Promise<RecordInfo> {
  if (!isUuid(ref.id) || !["contact", "lead", "deal"].includes(ref.kind)) throw new NotFound();
  const kind = ref.kind as MessageRecordKind;
  if (kind === "contact") {
    const r = await sql<{ first_name: string; last_name: string; emails: string[]; phones: string[]; title: string | null; company: string | null }>`
      select c.first_name, c.last_name, c.emails, c.phones, c.title, co.name as company from contacts c
      left join companies co on co.tenant_id = c.tenant_id and co.id = c.company_id
      where c.tenant_id = ${tx.tenantId} and c.id = ${ref.id}`.execute(tx.db);
    const c = r.rows[0];
    if (!c) throw new NotFound();
    const name = `${c.first_name} ${c.last_name}`.trim() || c.emails[0] || "Contact";
    return {
      ref: { kind, id: ref.id },
      label: name,
      emails: c.emails,
      phones: c.phones,
      fields: { name, first_name: c.first_name || name, last_name: c.last_name, email: c.emails[0] ?? "", phone: c.phones[0] ?? "", title: c.title ?? "", company: c.company ?? "" },
    };
  }
  if (kind === "lead") {
    const l = await tx.db.selectFrom("leads").select(["name", "email", "phone", "company_name"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", ref.id).executeTakeFirst();
    if (!l) throw new NotFound();
    return {
      ref: { kind, id: ref.id },
      label: l.name,
      emails: l.email ? [l.email] : [],
      phones: l.phone ? [l.phone] : [],
      fields: { name: l.name, first_name: l.name.split(/\s+/)[0] ?? l.name, last_name: l.name.split(/\s+/).slice(1).join(" "), email: l.email ?? "", phone: l.phone ?? "", title: "", company: l.company_name ?? "" },
    };
  }
  const d = await sql<{ title: string; emails: string[] | null; phones: string[] | null; first_name: string | null; last_name: string | null }>`
    select d.title, array_agg(e) filter (where e is not null) as emails, array_agg(p) filter (where p is not null) as phones,
      min(c.first_name) as first_name, min(c.last_name) as last_name
    from deals d left join deal_contacts dc on dc.tenant_id = d.tenant_id and dc.deal_id = d.id
    left join contacts c on c.tenant_id = dc.tenant_id and c.id = dc.contact_id
    left join lateral unnest(c.emails) e on true left join lateral unnest(c.phones) p on true
    where d.tenant_id = ${tx.tenantId} and d.id = ${ref.id} group by d.id, d.title`.execute(tx.db);
  const row = d.rows[0];
  if (!row) throw new NotFound();
  const uniq = (xs: string[] | null) => [...new Set(xs ?? [])];
  return {
    ref: { kind, id: ref.id },
    label: row.title,
    emails: uniq(row.emails),
    phones: uniq(row.phones),
    fields: { name: `${row.first_name ?? ""} ${row.last_name ?? ""}`.trim(), first_name: row.first_name ?? "", last_name: row.last_name ?? "", email: row.emails?.[0] ?? "", phone: row.phones?.[0] ?? "", title: "", company: "", deal: row.title },
  };
}

/** The addresses a channel can reach on this record. */
export const addressesFor = (info: RecordInfo, channel: Channel) => (channel === "email" ? info.emails : info.phones);

/** Placeholders a template may use, each a record field. */
export const PLACEHOLDERS = ["name", "first_name", "last_name", "email", "phone", "company", "title", "deal", "sender"] as const;

/** Fills {{field}} placeholders; an unknown or empty one becomes empty text (never the raw braces in a message). */
export function fillTemplate(text: string, fields: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, k: string) => fields[k] ?? "");
}

/**
 * The opt-outs that block a channel for any of these addresses, keyed by the address as given. Phones compare on
 * their last ten digits: the STOP came from "+14155550100", the record may hold "(415) 555-0100".
 */
export async function optOuts(tx: Ctx, channel: Channel, addresses: string[]): Promise<Map<string, { keyword: string | null; at: Date }>> {
  if (!addresses.length) return new Map();
  const key = (a: string) => (channel === "email" ? normalizeAddress("email", a) : a.replace(/\D/g, "").slice(-10));
  const keys = addresses.map(key);
  const rows = await sql<{ k: string; keyword: string | null; created_at: Date }>`
    select ${channel === "email" ? sql`address` : sql`right(regexp_replace(address, '\D', '', 'g'), 10)`} as k, keyword, created_at
    from message_opt_outs where tenant_id = ${tx.tenantId} and channel = ${channel}
      and ${channel === "email" ? sql`address` : sql`right(regexp_replace(address, '\D', '', 'g'), 10)`} = any(${keys}::text[])`.execute(tx.db);
  const found = new Map(rows.rows.map((r) => [r.k, { keyword: r.keyword, at: r.created_at }]));
  const out = new Map<string, { keyword: string | null; at: Date }>();
  for (const a of addresses) {
    const hit = found.get(key(a));
    if (hit) out.set(a, hit);
  }
  return out;
}
