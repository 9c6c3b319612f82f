import { sql, type RawBuilder } from "kysely";
import { dataMap, type TableEntry } from "../datamap.ts";
import type { DB } from "../db.ts";
import { NotFound } from "../errors.ts";
import type { PersonKind } from "./export-tables.ts";
import { columnsOf, pinned, resolveColumns, type Column, type Source } from "./export-writer.ts";

// Which rows each kind of export holds, read from the data map: no table is named here except where the map
// cannot say it (the deals a contact takes part in, the audit events about a CRM record).

export interface TableSources {
  table: string;
  sources: Source[];
}

const ref = (col: string) => sql.ref(`t.${col}`);
const or = (preds: RawBuilder<unknown>[]) => (preds.length ? sql`(${sql.join(preds, sql` or `)})` : sql`false`);

/** A column equal to one of the ids, cast to the column's own type so its index serves. */
function idIn(col: Column, ids: string[]): RawBuilder<unknown> {
  if (!ids.length) return sql`false`;
  const type = sql.raw(col.type.replace(/\[\]$/, ""));
  // One id as a plain equality: the planner can then combine it with the keyset bound in one index search.
  if (ids.length === 1) return sql`${ref(col.name)} = cast(${ids[0]} as ${type})`;
  return sql`${ref(col.name)} = any(cast(${ids} as ${type}[]))`;
}

/** An email column (text, or an array of them) holding one of these addresses, case-insensitively. */
function emailIn(col: Column, emails: string[]): RawBuilder<unknown> {
  if (!emails.length) return sql`false`;
  const lowered = emails.map((e) => e.toLowerCase());
  if (col.type.endsWith("[]")) return sql`exists (select from unnest(${ref(col.name)}) e where lower(e) = any(${lowered}::text[]))`;
  return sql`lower(${ref(col.name)}) = any(${lowered}::text[])`;
}

async function column(db: DB, table: string, name: string): Promise<Column> {
  const col = (await columnsOf(db, table)).find((c) => c.name === name);
  if (!col) throw new Error(`export: ${table}.${name} is in the data map but not in the table`);
  return col;
}

export interface PersonalSubject {
  userId: string;
  email: string;
  /** The workspaces the user belongs to. */
  tenantIds: string[];
}

/**
 * P12: every mapped table with a personal export and a user or email subject, with only its personal columns:
 * platform tables read as the owner, workspace tables once per workspace of the user (pinned), and rows of a
 * nullable tenant column that belong to no workspace (account-level audit events) as the owner.
 */
export async function personalSources(db: DB, who: PersonalSubject): Promise<TableSources[]> {
  const out: TableSources[] = [];
  for (const e of dataMap) {
    if (!e.export.personal) continue;
    const preds: RawBuilder<unknown>[] = [];
    for (const s of e.subjects) {
      const col = await column(db, e.table, s.column);
      if (s.kind === "user") preds.push(idIn(col, [who.userId]));
      if (s.kind === "email") preds.push(emailIn(col, [who.email]));
    }
    if (!preds.length) continue;
    const columns = await resolveColumns(db, e.table, e.export.personal);
    const where = or(preds);
    const sources: Source[] = [];
    if (!e.tenantColumn) {
      sources.push({ table: e.table, columns, pool: "owner", pin: { tenantId: null, userId: null }, where });
    } else {
      const tcol = await column(db, e.table, e.tenantColumn);
      for (const tenantId of who.tenantIds) {
        sources.push({ table: e.table, columns, pool: "app", pin: { tenantId, userId: null }, where: sql`${idIn(tcol, [tenantId])} and ${where}`, fixed: [tcol.name] });
      }
      if (tcol.nullable) sources.push({ table: e.table, columns, pool: "owner", pin: { tenantId: null, userId: null }, where: sql`${ref(tcol.name)} is null and ${where}` });
    }
    out.push({ table: e.table, sources });
  }
  return out;
}

/** Every table a personal export covers, whether or not the user has rows in it (tests check the catalogue). */
export const personalTables = (): TableEntry[] =>
  dataMap.filter((e) => e.export.personal && e.subjects.some((s) => s.kind === "user" || s.kind === "email"));

/** Every table a workspace export covers: a tenant column and a workspace export. */
export const workspaceTables = (): TableEntry[] => dataMap.filter((e) => e.tenantColumn && e.export.workspace);

/** P13: every mapped table with a tenant column, this workspace's rows, with the workspace export's columns. */
export async function workspaceSources(db: DB, tenantId: string): Promise<TableSources[]> {
  const out: TableSources[] = [];
  for (const e of workspaceTables()) {
    const tcol = await column(db, e.table, e.tenantColumn!);
    const columns = await resolveColumns(db, e.table, e.export.workspace!);
    out.push({ table: e.table, sources: [{ table: e.table, columns, pool: "app", pin: { tenantId, userId: null }, where: idIn(tcol, [tenantId]), fixed: [tcol.name] }] });
  }
  return out;
}

export interface Person {
  kind: PersonKind;
  id: string;
  /** The record, and every contact and lead that shares an email with it (or was converted from or to it). */
  contactIds: string[];
  leadIds: string[];
  emails: string[];
}

/** The CRM person behind a contact or lead id, widened to the records that are the same person by email. */
export async function findPerson(trx: DB, tenantId: string, kind: PersonKind, id: string): Promise<Person> {
  const start =
    kind === "contact"
      ? await trx.selectFrom("contacts").select(["id", "emails"]).where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst()
      : await trx.selectFrom("leads").select(["id", sql<string[]>`array_remove(array[email], null)`.as("emails"), "converted_contact_id"]).where("tenant_id", "=", tenantId).where("id", "=", id).executeTakeFirst();
  if (!start) throw new NotFound();
  const emails = [...new Set(start.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const converted = "converted_contact_id" in start && start.converted_contact_id ? [start.converted_contact_id] : [];
  const contacts = await sql<{ id: string }>`
    select id from contacts where tenant_id = ${tenantId}
      and (id = any(${kind === "contact" ? [id] : converted}::uuid[]) or exists (select from unnest(emails) e where lower(e) = any(${emails}::text[])))`.execute(trx);
  const contactIds = contacts.rows.map((r) => r.id);
  const leads = await sql<{ id: string }>`
    select id from leads where tenant_id = ${tenantId}
      and (id = any(${kind === "lead" ? [id] : []}::uuid[]) or lower(email) = any(${emails}::text[]) or converted_contact_id = any(${contactIds}::uuid[]))`.execute(trx);
  return { kind, id, contactIds, leadIds: leads.rows.map((r) => r.id), emails };
}

/**
 * Rows that mention the person although no data-map subject says so: the deals they take part in (or that their
 * lead became) and the audit events about their records (which hold before/after values).
 */
function mentions(table: string, tenantId: string, p: Person): RawBuilder<unknown>[] {
  if (table === "deals") {
    return [
      sql`t.id in (select deal_id from deal_contacts where tenant_id = ${tenantId} and contact_id = any(${p.contactIds}::uuid[]))`,
      sql`t.id in (select converted_deal_id from leads where tenant_id = ${tenantId} and id = any(${p.leadIds}::uuid[]))`,
    ];
  }
  if (table === "audit_events") {
    return [sql`(t.target_type = 'contact' and t.target_id = any(${p.contactIds}::text[]))`, sql`(t.target_type = 'lead' and t.target_id = any(${p.leadIds}::text[]))`];
  }
  return [];
}

/** P23: in one workspace, every mapped row whose contact, lead or email subject is the person, with workspace columns. */
export async function personSources(db: DB, tenantId: string, p: Person): Promise<TableSources[]> {
  const out: TableSources[] = [];
  for (const e of workspaceTables()) {
    const preds = mentions(e.table, tenantId, p);
    for (const s of e.subjects) {
      const col = await column(db, e.table, s.column);
      if (s.kind === "contact") preds.push(idIn(col, p.contactIds));
      if (s.kind === "lead") preds.push(idIn(col, p.leadIds));
      if (s.kind === "email") preds.push(emailIn(col, p.emails));
    }
    if (!preds.length) continue;
    const tcol = await column(db, e.table, e.tenantColumn!);
    const columns = await resolveColumns(db, e.table, e.export.workspace!);
    out.push({ table: e.table, sources: [{ table: e.table, columns, pool: "app", pin: { tenantId, userId: null }, where: sql`${idIn(tcol, [tenantId])} and ${or(preds)}`, fixed: [tcol.name] }] });
  }
  return out;
}

/** The workspaces a user belongs to, with their names for the export's subject. */
export async function userWorkspaces(app: DB, userId: string): Promise<{ tenant_id: string; name: string; slug: string; role: string }[]> {
  const r = await pinned(app, { tenantId: null, userId }, (trx) =>
    sql<{ tenant_id: string; name: string; slug: string; role: string }>`select tenant_id, name, slug, role from app_private.user_workspaces(${userId})`.execute(trx),
  );
  return r.rows;
}
