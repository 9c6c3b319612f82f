import { sql, type RawBuilder } from "kysely";
import type { Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { dataMap, type TableEntry } from "../datamap.ts";
import { appendLedger } from "./ledger.ts";
import type { Counts, LedgerAction, SubjectKind } from "./request-tables.ts";

// The data-map-driven eraser (P15, P23, reusable by a workspace purge): it never names a table. For each mapped
// table and each column the map says links a row to a person, it decides what to do with the rows that match:
//
// - A row that *is* the person's (users.id; a NOT NULL link such as sessions.user_id or memberships.user_id; any
//   row matched for a CRM person): the table's erasure applies: delete, or overwrite the named columns.
// - A row the person only touched (a nullable author/owner/assignee column, audit actor_id): the row stays with the
//   workspace and the link is replaced: null where a foreign key to users demands it, else a pseudonym that is the
//   same for every row of this erasure (so "who did what" still groups), plus the table's other pseudonymised
//   columns (audit actor label, IP, user agent, changes).
// - For a user, email-kind links count only in tables that are not CRM people (the outbox, invitations, email
//   change tokens): a contact who shares the address is a separate data subject, erased on their own request.
//
// Audit rows whose target is a row this erasure removed lose their `changes` (they may quote the person); the
// hash chain covers neither column, so `bun run audit:verify` still passes.

export interface Subjects {
  userIds: string[];
  contactIds: string[];
  leadIds: string[];
  /** Lower-cased addresses. */
  emails: string[];
}

export interface Pseudonym {
  id: string;
  label: string;
}

export interface EraseOptions {
  /** "user": P15 (authorship is kept, pseudonymised); "person": P23 (everything matched is the person's). */
  mode: "user" | "person";
  pseudonym: Pseudonym;
  requestId: string | null;
  /** The ids the ledger records as the subject (never addresses). */
  ledgerSubject: { kind: SubjectKind; ids: string[] };
}

interface ColumnInfo {
  type: string;
  nullable: boolean;
  refsUsers: boolean;
  generated: boolean;
}

export type Catalogue = Map<string, Map<string, ColumnInfo>>;
let catalogue: Promise<Catalogue> | null = null;

/** Column types, nullability and links to users, read once per process from pg_catalog (readable by any role). */
export function readCatalogue(db: DB): Promise<Catalogue> {
  catalogue ??= sql<{ table: string; column: string; type: string; nullable: boolean; refs_users: boolean; generated: boolean }>`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
      a.attgenerated <> '' as generated,
      exists (select 1 from pg_constraint k where k.conrelid = c.oid and k.contype = 'f' and a.attnum = any(k.conkey)
              and k.confrelid = 'public.users'::regclass) as refs_users
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped`
    .execute(db)
    .then((r) => {
      const out: Catalogue = new Map();
      for (const row of r.rows) {
        if (!out.has(row.table)) out.set(row.table, new Map());
        out.get(row.table)!.set(row.column, { type: row.type, nullable: row.nullable, refsUsers: row.refs_users, generated: row.generated });
      }
      return out;
    })
    .catch((err) => {
      catalogue = null;
      throw err;
    });
  return catalogue;
}

export interface Step {
  entry: TableEntry;
  column: string;
  kind: SubjectKind;
  action: LedgerAction;
  /** Columns rewritten (anonymise, pseudonymise, unlink), with what goes in. */
  set: { column: string; value: "null" | "pseudonym" | "label" | "blank" }[];
}

const CRM_PERSON_KINDS = new Set(["contact", "lead"]);

/** What the eraser will do, table by table, for these kinds of subject: data-map driven, no table named. */
export function planErasure(cat: Catalogue, kinds: Set<SubjectKind>, mode: "user" | "person", scope: "tenant" | "platform"): Step[] {
  const steps: Step[] = [];
  for (const entry of dataMap) {
    const cols = cat.get(entry.table);
    if (!cols || entry.tenantColumn === "id") continue;
    if (scope === "tenant" && entry.tenantColumn === null) continue;
    const isPersonTable = entry.subjects.some((s) => CRM_PERSON_KINDS.has(s.kind));
    const subjectColumns = new Set(entry.subjects.map((s) => s.column));
    for (const s of entry.subjects) {
      if (!kinds.has(s.kind)) continue;
      if (mode === "user" && s.kind === "email" && isPersonTable) continue;
      const info = cols.get(s.column);
      if (!info) continue;
      const authorship = mode === "user" && s.kind === "user" && s.column !== "id" && info.nullable;
      if (authorship) {
        const extra = entry.erasure.kind === "pseudonymise" ? entry.erasure.columns.filter((c) => !subjectColumns.has(c)) : [];
        steps.push({ entry, column: s.column, kind: s.kind, action: "unlink", set: [{ column: s.column, value: linkValue(info) }, ...extra.map((c) => ({ column: c, value: rewriteValue(cols.get(c), c, true) }))] });
        continue;
      }
      if (entry.erasure.kind === "delete") {
        steps.push({ entry, column: s.column, kind: s.kind, action: "delete", set: [] });
        continue;
      }
      const pseudo = entry.erasure.kind === "pseudonymise";
      const set = entry.erasure.columns.map((c) => ({ column: c, value: c === s.column ? linkValue(cols.get(c)) : rewriteValue(cols.get(c), c, pseudo) }));
      // The matched link itself goes too, so the row no longer points at the person.
      if (!entry.erasure.columns.includes(s.column) && info.nullable) set.push({ column: s.column, value: "null" });
      steps.push({ entry, column: s.column, kind: s.kind, action: entry.erasure.kind, set });
    }
  }
  return steps;
}

function linkValue(info: ColumnInfo | undefined): Step["set"][number]["value"] {
  if (!info) return "null";
  if (info.type === "uuid" && !info.refsUsers) return "pseudonym";
  return info.nullable ? "null" : "blank";
}

function rewriteValue(info: ColumnInfo | undefined, column: string, pseudonymise: boolean): Step["set"][number]["value"] {
  if (!info) return "null";
  if (pseudonymise && info.type === "text" && /label|name/.test(column)) return "label";
  if (info.type === "uuid" && pseudonymise && !info.refsUsers) return "pseudonym";
  return info.nullable ? "null" : "blank";
}

export function valueSql(value: Step["set"][number]["value"], info: ColumnInfo | undefined, p: Pseudonym): RawBuilder<unknown> {
  if (value === "null") return sql`null`;
  if (value === "pseudonym") return sql`${p.id}::uuid`;
  if (value === "label") return sql`${p.label}`;
  const type = info?.type ?? "text";
  if (type.endsWith("[]")) return sql.raw(`'{}'::${type}`);
  if (type === "jsonb" || type === "json") return sql.raw(`'{}'::${type}`);
  if (type === "bytea") return sql`''::bytea`;
  if (type === "uuid") return sql`${p.id}::uuid`;
  return sql`'[erased]'`;
}

function matchSql(step: Step, info: ColumnInfo, subjects: Subjects): RawBuilder<boolean> | null {
  const col = sql.ref(step.column);
  const ids = step.kind === "user" ? subjects.userIds : step.kind === "contact" ? subjects.contactIds : step.kind === "lead" ? subjects.leadIds : null;
  if (ids) {
    if (!ids.length) return null;
    return info.type === "uuid" ? sql<boolean>`${col} = any(${ids}::uuid[])` : sql<boolean>`${col}::text = any(${ids}::text[])`;
  }
  if (!subjects.emails.length) return null;
  if (info.type.endsWith("[]")) return sql<boolean>`exists (select 1 from unnest(${col}) as e(v) where lower(e.v) = any(${subjects.emails}::text[]))`;
  return sql<boolean>`lower(${col}) = any(${subjects.emails}::text[])`;
}

export function scopeSql(entry: TableEntry, tenantId: string | null): RawBuilder<boolean> {
  if (!entry.tenantColumn) return sql<boolean>`true`;
  return tenantId ? sql<boolean>`${sql.ref(entry.tenantColumn)} = ${tenantId}::uuid` : sql<boolean>`${sql.ref(entry.tenantColumn)} is null`;
}

/** How many rows each step would touch, without touching them (the P23 preview). */
export async function countErasure(tx: Ctx, tenantId: string | null, steps: Step[], subjects: Subjects): Promise<Counts> {
  const cat = await readCatalogue(tx.db);
  const counts: Counts = {};
  for (const step of steps) {
    const info = cat.get(step.entry.table)?.get(step.column);
    const match = info && matchSql(step, info, subjects);
    if (!match) continue;
    const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(step.entry.table)} where ${scopeSql(step.entry, tenantId)} and ${match}`.execute(tx.db);
    const n = r.rows[0]?.n ?? 0;
    if (n) counts[step.entry.table] = (counts[step.entry.table] ?? 0) + n;
  }
  return counts;
}

/**
 * Runs the steps in the caller's transaction (owner role, tenant pinned, or none for the platform tables), appends
 * the ledger, and returns counts per table. Deletions run last, so a row that one step rewrites and another deletes
 * is counted once where it matters; matching is by value, so a rerun finds nothing left to do.
 */
export async function runErasure(tx: Ctx, tenantId: string | null, steps: Step[], subjects: Subjects, opts: EraseOptions): Promise<Counts> {
  const cat = await readCatalogue(tx.db);
  const counts: Counts = {};
  const erasedIds = new Set<string>([...subjects.userIds, ...subjects.contactIds, ...subjects.leadIds]);
  // Rewrites first, then deletions, and the tables that are people themselves (users, contacts, leads: an `id`
  // subject) last: deleting a person first would cascade to rows the ledger then never hears of.
  const isPersonRow = (s: Step) => s.entry.subjects.some((x) => x.column === "id");
  const rank = (s: Step) => (s.action !== "delete" ? 0 : isPersonRow(s) ? 2 : 1);
  const ordered = [...steps].sort((a, b) => rank(a) - rank(b));
  for (const step of ordered) {
    const cols = cat.get(step.entry.table)!;
    const info = cols.get(step.column);
    const match = info && matchSql(step, info, subjects);
    if (!match) continue;
    const hasId = cols.has("id");
    const returning = hasId ? sql`id::text` : sql`null::text`;
    const table = sql.table(step.entry.table);
    const where = sql`${scopeSql(step.entry, tenantId)} and ${match}`;
    let rows: { id: string | null }[];
    if (step.action === "delete") {
      rows = (await sql<{ id: string | null }>`delete from ${table} where ${where} returning ${returning} as id`.execute(tx.db)).rows;
    } else {
      const sets = step.set.filter((s) => cols.has(s.column) && !cols.get(s.column)!.generated);
      if (!sets.length) continue;
      const assignments = sql.join(sets.map((s) => sql`${sql.ref(s.column)} = ${valueSql(s.value, cols.get(s.column), opts.pseudonym)}`));
      rows = (await sql<{ id: string | null }>`update ${table} set ${assignments} where ${where} returning ${returning} as id`.execute(tx.db)).rows;
    }
    if (!rows.length) continue;
    counts[step.entry.table] = (counts[step.entry.table] ?? 0) + rows.length;
    const rowIds = rows.map((r) => r.id).filter((id): id is string => !!id);
    if (step.action === "delete" || step.action === "anonymise") for (const id of rowIds) erasedIds.add(id);
    await appendLedger(tx, {
      tenantId,
      table: step.entry.table,
      action: step.action,
      columns: step.set.map((s) => s.column),
      rowIds,
      subjectKind: opts.ledgerSubject.kind,
      subjectIds: opts.ledgerSubject.ids,
      requestId: opts.requestId,
    });
  }
  const redacted = await redactAuditTargets(tx, tenantId, [...erasedIds]);
  if (redacted) counts["audit_events"] = (counts["audit_events"] ?? 0) + redacted;
  return counts;
}

/** Audit events about a removed row keep who/what/when (hashed) but lose the before/after that may quote the person. */
export async function redactAuditTargets(tx: Ctx, tenantId: string | null, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const scope = tenantId ? sql`tenant_id = ${tenantId}::uuid` : sql`tenant_id is null`;
  const r = await sql`update audit_events set changes = null where ${scope} and target_id = any(${ids}::text[]) and changes is not null`.execute(tx.db);
  return Number(r.numAffectedRows ?? 0);
}

export function mergeCounts(a: Counts, b: Counts): Counts {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function newPseudonym(): Pseudonym {
  const id = crypto.randomUUID();
  return { id, label: `Former member ${id.slice(0, 8)}` };
}
