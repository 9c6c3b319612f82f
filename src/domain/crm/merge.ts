import { sql, type RawBuilder, type Updateable } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { CompaniesTable, ContactsTable } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, recordDiff } from "./companies.ts";
import { contactName, MAX_EMAILS, MAX_PHONES } from "./contacts.ts";
import { isUuid, phoneDigits, searchQuery } from "./shared.ts";

// Merging two contacts or two companies: the survivor takes the chosen value of each field, everything that points
// at the other record moves to the survivor, and the other is deleted, all in one transaction.

export type MergeKind = "contact" | "company";
export type Side = "survivor" | "other";
const TABLES = { contact: "contacts", company: "companies" } as const;

/**
 * Every column that points at a contact or a company. Deleting the other record cascades, so a reference missing
 * here would silently lose rows: a test compares this list with the database's foreign keys.
 */
const MESSAGING_REFERENCES = (column: string) => [
  { table: "message_threads", column, label: "conversations" },
  { table: "messages", column, label: "messages" },
];

export const MERGE_REFERENCES: Record<MergeKind, { table: string; column: string; label: string }[]> = {
  contact: [
    { table: "deal_contacts", column: "contact_id", label: "deals" },
    ...["activities", "tasks", "notes", "attachments"].map((table) => ({ table, column: "contact_id", label: table === "attachments" ? "files" : table })),
    { table: "leads", column: "converted_contact_id", label: "converted leads" },
    { table: "privacy_requests", column: "subject_contact_id", label: "privacy requests" },
    // Messaging (migration 0018): conversations, logged files, opt-outs and raw deliveries follow the person.
    ...MESSAGING_REFERENCES("contact_id"),
    { table: "message_attachments", column: "contact_id", label: "message files" },
    { table: "message_opt_outs", column: "contact_id", label: "opt-outs" },
    { table: "message_inbox", column: "contact_id", label: "webhook deliveries" },
  ],
  company: [
    { table: "contacts", column: "company_id", label: "contacts" },
    { table: "deals", column: "company_id", label: "deals" },
    ...["activities", "tasks", "notes", "attachments"].map((table) => ({ table, column: "company_id", label: table === "attachments" ? "files" : table })),
    { table: "leads", column: "converted_company_id", label: "converted leads" },
    ...MESSAGING_REFERENCES("company_id"),
  ],
};

const FIELDS: Record<MergeKind, { name: string; label: string }[]> = {
  contact: [
    { name: "first_name", label: "First name" },
    { name: "last_name", label: "Last name" },
    { name: "title", label: "Job title" },
    { name: "company_id", label: "Company" },
    { name: "owner_id", label: "Owner" },
  ],
  company: [
    { name: "name", label: "Name" },
    { name: "domain", label: "Domain" },
    { name: "industry", label: "Industry" },
    { name: "size", label: "Size" },
    { name: "address", label: "Address" },
    { name: "owner_id", label: "Owner" },
  ],
};

/** One record as the merge sees it: raw values to copy, and what a person reads for each. */
interface Loaded {
  id: string;
  label: string;
  values: Record<string, unknown>;
  shown: Record<string, string | null>;
  emails: string[];
  phones: string[];
  custom: Record<string, unknown>;
}

async function load(tx: Ctx, kind: MergeKind, id: string): Promise<Loaded | null> {
  if (kind === "contact") {
    const r = await tx.db
      .selectFrom("contacts as k")
      .leftJoin("companies as co", (j) => j.onRef("co.tenant_id", "=", "k.tenant_id").onRef("co.id", "=", "k.company_id"))
      .leftJoin("users as u", "u.id", "k.owner_id")
      .select(["k.id", "k.first_name", "k.last_name", "k.emails", "k.phones", "k.title", "k.company_id", "co.name as company_name", "k.owner_id", "u.name as owner_name", "k.custom"])
      .where("k.tenant_id", "=", tx.tenantId!)
      .where("k.id", "=", id)
      .executeTakeFirst();
    if (!r) return null;
    const values = { first_name: r.first_name, last_name: r.last_name, title: r.title, company_id: r.company_id, owner_id: r.owner_id };
    const shown = { first_name: r.first_name || null, last_name: r.last_name || null, title: r.title, company_id: r.company_name, owner_id: r.owner_name };
    return { id, label: contactName(r), values, shown, emails: r.emails, phones: r.phones, custom: r.custom ?? {} };
  }
  const r = await tx.db
    .selectFrom("companies as c")
    .leftJoin("users as u", "u.id", "c.owner_id")
    .select(["c.id", "c.name", "c.domain", "c.industry", "c.size", "c.address", "c.owner_id", "u.name as owner_name", "c.custom"])
    .where("c.tenant_id", "=", tx.tenantId!)
    .where("c.id", "=", id)
    .executeTakeFirst();
  if (!r) return null;
  const values = { name: r.name, domain: r.domain, industry: r.industry, size: r.size, address: r.address, owner_id: r.owner_id };
  const shown = { ...values, size: r.size ? `${r.size} people` : null, owner_id: r.owner_name };
  return { id, label: r.name, values, shown, emails: [], phones: [], custom: r.custom ?? {} };
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const same = (a: unknown, b: unknown) => (isEmpty(a) && isEmpty(b)) || JSON.stringify(a) === JSON.stringify(b);

/** A custom value as a person reads it; the stored value itself is what moves. */
function showCustom(v: unknown): string | null {
  if (isEmpty(v)) return null;
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (Array.isArray(v)) return v.map(String).join(", ");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The union of two lists, the survivor's first, repeats (by `key`) dropped; what does not fit the cap is listed. */
function union(first: string[], second: string[], max: number, key: (s: string) => string) {
  const seen = new Set<string>();
  const all = [...first, ...second].filter((s) => !seen.has(key(s)) && !!seen.add(key(s)));
  return { kept: all.slice(0, max), dropped: all.slice(max) };
}

export interface MergeField {
  /** The radio's name: the column, or `custom.<key>`. */
  name: string;
  label: string;
  survivor: string | null;
  other: string | null;
  same: boolean;
  choice: Side;
}

export interface MergePlan {
  kind: MergeKind;
  survivor: { id: string; label: string };
  other: { id: string; label: string };
  fields: MergeField[];
  lists: { name: "emails" | "phones"; label: string; kept: string[]; dropped: string[] }[];
}

/** Pairs the two records field by field with the choices made (absent: the survivor's value unless it is empty). */
async function plan(tx: Ctx, kind: MergeKind, s: Loaded, o: Loaded, chosen: Record<string, string>): Promise<MergePlan & { errors: FieldErrors; result: Record<string, unknown>; custom: Record<string, unknown> }> {
  const defs = await tx.db.selectFrom("custom_field_definitions").select(["key", "label"]).where("tenant_id", "=", tx.tenantId!).where("object", "=", kind).orderBy("position").orderBy("key").execute();
  // Values under keys without a definition (a field since removed) are data too: they are offered like the rest.
  const keys = new Map(defs.map((d) => [d.key, d.label]));
  for (const k of [...Object.keys(s.custom), ...Object.keys(o.custom)].sort()) if (!keys.has(k)) keys.set(k, k);
  const rows = [
    ...FIELDS[kind].map((f) => ({ ...f, s: s.values[f.name], o: o.values[f.name], ss: s.shown[f.name] ?? null, os: o.shown[f.name] ?? null })),
    ...[...keys].map(([k, label]) => ({ name: `custom.${k}`, label, s: s.custom[k], o: o.custom[k], ss: showCustom(s.custom[k]), os: showCustom(o.custom[k]) })),
  ];
  const errors: FieldErrors = {};
  const result: Record<string, unknown> = {};
  // No prototype: a stored key such as "__proto__" stays a plain key.
  const custom: Record<string, unknown> = Object.create(null);
  const fields = rows.map((r): MergeField => {
    const typed = chosen[r.name];
    let choice: Side = isEmpty(r.s) && !isEmpty(r.o) ? "other" : "survivor";
    if (typed === "survivor" || typed === "other") choice = typed;
    else if (typed) errors[r.name] = "Choose one of the two values.";
    const value = choice === "other" ? r.o : r.s;
    if (!r.name.startsWith("custom.")) result[r.name] = value ?? null;
    else if (!isEmpty(value)) custom[r.name.slice(7)] = value;
    return { name: r.name, label: r.label, survivor: r.ss, other: r.os, same: same(r.s, r.o), choice };
  });
  const lists: MergePlan["lists"] = [];
  if (kind === "contact") {
    const emails = union(s.emails, o.emails, MAX_EMAILS, (e) => e.toLowerCase());
    const phones = union(s.phones, o.phones, MAX_PHONES, (p) => phoneDigits(p) || p);
    lists.push({ name: "emails", label: "Email addresses", ...emails }, { name: "phones", label: "Phone numbers", ...phones });
    result.emails = emails.kept;
    result.phones = phones.kept;
    // The table's own rule (a name or an email), said in words rather than as a failed check.
    if (!result.first_name && !result.last_name && emails.kept.length === 0) errors.first_name ??= "Keep a first or last name: the merged contact would have neither a name nor an email.";
  }
  return { kind, survivor: { id: s.id, label: s.label }, other: { id: o.id, label: o.label }, fields, lists, errors, result, custom };
}

/** Both ids well-formed and different, in canonical form; the same record twice is refused once it is known to exist. */
async function pair(tx: Ctx, kind: MergeKind, id: string, otherId: string, lock: boolean): Promise<[Loaded, Loaded]> {
  if (!isUuid(id) || !isUuid(otherId)) throw new NotFound();
  const [a, b] = [id.toLowerCase(), otherId.toLowerCase()];
  if (a === b) {
    if (!(await load(tx, kind, a))) throw new NotFound();
    const message = `A ${kind} cannot be merged with itself: choose another one.`;
    throw new Invalid({ other_id: message }, message);
  }
  if (lock) {
    // Both rows locked in id order: two merges touching the same records wait for each other instead of deadlocking,
    // and the second finds its record gone (404) rather than moving rows to a deleted one.
    for (const x of [a, b].sort()) {
      const r = await sql`select id from ${sql.table(TABLES[kind])} where tenant_id = ${tx.tenantId} and id = ${x} for update`.execute(tx.db);
      if (r.rows.length === 0) throw new NotFound();
    }
  }
  const [s, o] = [await load(tx, kind, a), await load(tx, kind, b)];
  if (!s || !o) throw new NotFound();
  return [s, o];
}

/** How many rows point at a record, per reference. */
async function referenceCounts(tx: Ctx, kind: MergeKind, id: string): Promise<Record<string, number>> {
  const refs = MERGE_REFERENCES[kind];
  const r = await sql<Record<string, number>>`select ${sql.join(
    refs.map((f, i) => sql`(select count(*)::int from ${sql.table(f.table)} where tenant_id = ${tx.tenantId} and ${sql.ref(f.column)} = ${id}) as ${sql.ref(`n${i}`)}`),
  )}`.execute(tx.db);
  return Object.fromEntries(refs.map((f, i) => [`${f.table}.${f.column}`, r.rows[0]![`n${i}`] ?? 0]));
}

export interface MergePreview extends MergePlan {
  /** What moves from the other record to the survivor. */
  moves: { label: string; count: number }[];
  errors: FieldErrors;
}

/** The two records side by side with the default (or typed) choices, for the merge form. */
export async function mergePreview(ctx: Ctx, kind: MergeKind, id: string, otherId: string, chosen: Record<string, string> = {}): Promise<MergePreview> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const [s, o] = await pair(tx, kind, id, otherId, false);
    const { result: _r, custom: _c, ...p } = await plan(tx, kind, s, o, chosen);
    const counts = await referenceCounts(tx, kind, o.id);
    const moves = MERGE_REFERENCES[kind].map((f) => ({ label: f.label, count: counts[`${f.table}.${f.column}`] ?? 0 })).filter((m) => m.count > 0);
    return { ...p, moves };
  });
}

/** Merges `otherId` into `id` in one transaction and returns the survivor's id. */
export async function mergeRecords(ctx: Ctx, kind: MergeKind, id: string, otherId: string, chosen: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const [s, o] = await pair(tx, kind, id, otherId, true);
    const p = await plan(tx, kind, s, o, chosen);
    if (Object.keys(p.errors).length) throw new Invalid(p.errors);
    const moved: Record<string, number> = {};
    for (const f of MERGE_REFERENCES[kind]) {
      // A deal the survivor is already in keeps one link: the other's duplicate link is dropped, not moved.
      const skip = f.table === "deal_contacts" ? sql`and not exists (select 1 from deal_contacts d where d.tenant_id = deal_contacts.tenant_id and d.deal_id = deal_contacts.deal_id and d.contact_id = ${s.id})` : sql``;
      const r = await sql<{ n: number }>`with m as (update ${sql.table(f.table)} set ${sql.ref(f.column)} = ${s.id}
        where tenant_id = ${tx.tenantId} and ${sql.ref(f.column)} = ${o.id} ${skip} returning 1) select count(*)::int as n from m`.execute(tx.db);
      moved[f.table === "leads" ? "converted_leads" : f.table] = r.rows[0]!.n;
    }
    if (kind === "contact") {
      const r = await tx.db.deleteFrom("deal_contacts").where("tenant_id", "=", tx.tenantId!).where("contact_id", "=", o.id).executeTakeFirst();
      moved.deal_contacts_collapsed = Number(r.numDeletedRows);
    }
    const fields = [...FIELDS[kind].map((f) => f.name), ...(kind === "contact" ? ["emails", "phones"] : []), "custom"];
    const before: Record<string, unknown> = { ...s.values, emails: s.emails, phones: s.phones, custom: s.custom };
    const after: Record<string, unknown> = { ...p.result, custom: p.custom };
    const changes = recordDiff(before, after, fields);
    // Kysely binds the custom object as jsonb itself (a JSON.stringify here would store a JSON string).
    if (kind === "contact") await tx.db.updateTable("contacts").set({ ...(after as Updateable<ContactsTable>), updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", s.id).execute();
    else await tx.db.updateTable("companies").set({ ...(after as Updateable<CompaniesTable>), updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", s.id).execute();
    // What the 10-address cap leaves out is kept in a note on the survivor, so the merge loses nothing.
    let noteId: string | null = null;
    const dropped = p.lists.filter((l) => l.dropped.length);
    if (dropped.length) {
      noteId = Bun.randomUUIDv7();
      const body = [`Merged from ${o.label}. These did not fit on the contact (at most 10 of each):`, ...dropped.map((l) => `${l.label}: ${l.dropped.join(", ")}`)].join("\n");
      await tx.db.insertInto("notes").values({ tenant_id: tx.tenantId!, id: noteId, body, author_id: actorUserId(tx), created_at: tx.now, updated_at: tx.now, contact_id: s.id }).execute();
    }
    await sql`delete from ${sql.table(TABLES[kind])} where tenant_id = ${tx.tenantId} and id = ${o.id}`.execute(tx.db);
    const choices = Object.fromEntries(p.fields.filter((f) => !f.same).map((f) => [f.name, f.choice]));
    await audit(tx, `${kind}.merged`, { type: kind, id: s.id }, { merged_id: o.id, merged_name: o.label, chosen: choices, changes, moved, ...(noteId ? { note_id: noteId } : {}) });
    return s.id;
  });
}

export interface MergeCandidate {
  id: string;
  label: string;
  detail: string | null;
}

export const CANDIDATES_CAP = 20;
const QuerySchema = z.string().max(200, { error: "Use at most 200 characters." });

/** Records to merge with: likely duplicates (a shared email or the same name; for companies, domain or name) and search results. */
export async function mergeCandidates(ctx: Ctx, kind: MergeKind, id: string, q: string): Promise<{ record: { id: string; label: string }; likely: MergeCandidate[]; results: MergeCandidate[] | null }> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const self = await load(tx, kind, id.toLowerCase());
    if (!self) throw new NotFound();
    const typed = QuerySchema.safeParse(q);
    if (!typed.success) throw new Invalid({ q: typed.error.issues[0]!.message });
    const tsq = q.trim() ? searchQuery(q) : null;
    const find = async (where: RawBuilder<boolean>) => {
      if (kind === "contact") {
        const rows = await tx.db.selectFrom("contacts").select(["id", "first_name", "last_name", "emails", "title"]).where("tenant_id", "=", tx.tenantId!).where("id", "!=", self.id).where(where)
          .orderBy(sql`lower(last_name)`).orderBy(sql`lower(first_name)`).orderBy("id").limit(CANDIDATES_CAP).execute();
        return rows.map((r) => ({ id: r.id, label: contactName(r), detail: [r.emails[0], r.title].filter(Boolean).join(" · ") || null }));
      }
      const rows = await tx.db.selectFrom("companies").select(["id", "name", "domain"]).where("tenant_id", "=", tx.tenantId!).where("id", "!=", self.id).where(where)
        .orderBy(sql`lower(name)`).orderBy("id").limit(CANDIDATES_CAP).execute();
      return rows.map((r) => ({ id: r.id, label: r.name, detail: r.domain }));
    };
    const v = self.values;
    const likelyWhere =
      kind === "contact"
        ? sql<boolean>`(emails && ${sql.val(self.emails)}::text[]${v.first_name || v.last_name ? sql` or (lower(first_name) = lower(${v.first_name}) and lower(last_name) = lower(${v.last_name}))` : sql``})`
        : sql<boolean>`(lower(name) = lower(${v.name})${v.domain ? sql` or domain = ${v.domain}` : sql``})`;
    const likely = await find(likelyWhere);
    const results = !q.trim() ? null : tsq ? await find(sql<boolean>`search @@ to_tsquery('simple', ${tsq})`) : [];
    return { record: { id: self.id, label: self.label }, likely, results };
  });
}
