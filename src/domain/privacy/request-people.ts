import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import type { Subjects } from "./erasure-engine.ts";

// P23: CRM people are found by id and by email. A contact (emails array) and a lead (email) with the same address,
// a lead converted into a contact, and that contact are one data subject: the closure below gathers them all.

export interface PersonRef {
  kind: "contact" | "lead";
  id: string;
  name: string;
  emails: string[];
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
const lower = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x).map((x) => x.trim().toLowerCase()))];

/** Contacts and leads of the pinned workspace whose address is one of these (case-insensitive). */
export async function peopleByEmail(tx: Ctx, emails: string[]): Promise<PersonRef[]> {
  const list = lower(emails);
  if (!list.length) return [];
  const contacts = await sql<{ id: string; first_name: string; last_name: string; emails: string[] }>`
    select id, first_name, last_name, emails from contacts
    where tenant_id = ${tx.tenantId}::uuid and exists (select 1 from unnest(emails) as e(v) where lower(e.v) = any(${list}::text[]))
    order by id limit 50`.execute(tx.db);
  const leads = await sql<{ id: string; name: string; email: string | null }>`
    select id, name, email from leads where tenant_id = ${tx.tenantId}::uuid and lower(email) = any(${list}::text[]) order by id limit 50`.execute(tx.db);
  return [
    ...contacts.rows.map((c) => ({ kind: "contact" as const, id: c.id, name: [c.first_name, c.last_name].filter(Boolean).join(" ") || c.emails[0] || "(no name)", emails: c.emails })),
    ...leads.rows.map((l) => ({ kind: "lead" as const, id: l.id, name: l.name, emails: l.email ? [l.email] : [] })),
  ];
}

export async function findPersonRef(tx: Ctx, kind: string, id: string): Promise<PersonRef> {
  if ((kind !== "contact" && kind !== "lead") || !isUuid(id)) throw new NotFound();
  if (kind === "contact") {
    const c = await tx.db.selectFrom("contacts").select(["id", "first_name", "last_name", "emails"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!c) throw new NotFound();
    return { kind, id: c.id, name: [c.first_name, c.last_name].filter(Boolean).join(" ") || c.emails[0] || "(no name)", emails: c.emails };
  }
  const l = await tx.db.selectFrom("leads").select(["id", "name", "email"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
  if (!l) throw new NotFound();
  return { kind, id: l.id, name: l.name, emails: l.email ? [l.email] : [] };
}

/**
 * Everyone who is the same person as the starting ones, by shared address or conversion, to a fixed point
 * (bounded: a shared info@ address must not pull in half the CRM unnoticed; the preview shows who is included).
 */
export async function closePeople(tx: Ctx, start: PersonRef[], extraEmails: string[] = []): Promise<{ people: PersonRef[]; subjects: Subjects }> {
  const byKey = new Map(start.map((p) => [`${p.kind}:${p.id}`, p]));
  let emails = lower([...extraEmails, ...start.flatMap((p) => p.emails)]);
  for (let round = 0; round < 4; round++) {
    const before = byKey.size;
    for (const p of await peopleByEmail(tx, emails)) byKey.set(`${p.kind}:${p.id}`, p);
    const contactIds = [...byKey.values()].filter((p) => p.kind === "contact").map((p) => p.id);
    const leadIds = [...byKey.values()].filter((p) => p.kind === "lead").map((p) => p.id);
    if (contactIds.length) {
      const converted = await tx.db.selectFrom("leads").select(["id", "name", "email"]).where("tenant_id", "=", tx.tenantId!).where("converted_contact_id", "in", contactIds).limit(50).execute();
      for (const l of converted) byKey.set(`lead:${l.id}`, { kind: "lead", id: l.id, name: l.name, emails: l.email ? [l.email] : [] });
    }
    if (leadIds.length) {
      const into = await tx.db.selectFrom("leads").select("converted_contact_id").where("tenant_id", "=", tx.tenantId!).where("id", "in", leadIds).where("converted_contact_id", "is not", null).execute();
      for (const r of into) if (!byKey.has(`contact:${r.converted_contact_id}`)) byKey.set(`contact:${r.converted_contact_id}`, await findPersonRef(tx, "contact", r.converted_contact_id!));
    }
    emails = lower([...emails, ...[...byKey.values()].flatMap((p) => p.emails)]);
    if (byKey.size === before || byKey.size > 100) break;
  }
  const people = [...byKey.values()];
  return {
    people,
    subjects: {
      userIds: [],
      contactIds: people.filter((p) => p.kind === "contact").map((p) => p.id),
      leadIds: people.filter((p) => p.kind === "lead").map((p) => p.id),
      emails,
    },
  };
}
