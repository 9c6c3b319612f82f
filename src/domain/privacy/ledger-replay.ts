import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { dataMap, type TableEntry } from "../datamap.ts";
import { newPseudonym, planErasure, readCatalogue, redactAuditTargets, scopeSql, valueSql, type Catalogue, type Pseudonym, type Step } from "./erasure-engine.ts";
import type { DeletionLedgerTable, SubjectKind } from "./request-tables.ts";
import { purgePlan } from "./workspace-purge-plan.ts";

// P24: after a restore, the database is as it was when the backup was taken, so every erasure and purge made since
// is undone. The ledger says, by id only, what each of them removed or rewrote; replaying it makes the restored
// database forget those people and workspaces again. Replay reuses the eraser's own plan (which columns, with what
// values) so a replayed erasure is the same as the first one, and it is idempotent: a row already gone matches
// nothing, a row already rewritten is rewritten the same way.

export type LedgerRow = Omit<DeletionLedgerTable, "columns" | "row_ids" | "subject_ids"> & { columns: string[]; row_ids: string[]; subject_ids: string[] };

export interface ReplayResult {
  /** Ledger entries replayed. */
  entries: number;
  /** Rows deleted or rewritten by the replay (rows the backup still had). */
  rows: number;
  /** Entries that could name no row here (a table the restored schema lacks, a link that needs an address). */
  unmatched: { id: string; table: string; why: string }[];
}

const byTable = new Map(dataMap.map((e) => [e.table, e]));

/** Replays entries in the order they were written (erased_at, then id: UUIDv7 keeps a transaction's order). */
export async function replayLedger(tx: Ctx, entries: LedgerRow[]): Promise<ReplayResult> {
  const cat = await readCatalogue(tx.db);
  const ordered = [...entries].sort((a, b) => a.erased_at.getTime() - b.erased_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // One pseudonym per erasure (request, or subject when there is none), as the eraser used one per run.
  const pseudonyms = new Map<string, Pseudonym>();
  const result: ReplayResult = { entries: 0, rows: 0, unmatched: [] };
  const purged = new Set<string>();
  for (const e of ordered) {
    if (e.subject_kind === "workspace") {
      // A purge writes one entry per table, all at one instant and in no useful order: replay the whole workspace
      // once, children before parents as the purge itself goes, at its first entry.
      result.entries++;
      for (const id of e.subject_ids.filter((x) => !purged.has(x))) {
        purged.add(id);
        result.rows += await purgeAgain(tx, id);
      }
      continue;
    }
    const key = e.request_id ?? `${e.subject_kind}:${e.subject_ids.join(",")}`;
    if (!pseudonyms.has(key)) pseudonyms.set(key, newPseudonym());
    const r = await replayOne(tx, cat, e, pseudonyms.get(key)!);
    result.entries++;
    if (typeof r === "string") result.unmatched.push({ id: e.id, table: e.table_name, why: r });
    else result.rows += r;
  }
  return result;
}

async function replayOne(tx: Ctx, cat: Catalogue, e: LedgerRow, pseudonym: Pseudonym): Promise<number | string> {
  const entry = byTable.get(e.table_name);
  const cols = cat.get(e.table_name);
  if (!entry || !cols) return "the table is not in this database's data map";
  const table = sql.table(e.table_name);

  const where = rowsWhere(entry, cols, e);
  if (typeof where === "string") return where;
  const scoped = sql`${scopeSql(entry, e.tenant_id)} and ${where}`;
  let touched: number;
  if (e.action === "delete") {
    const r = await sql<{ id: string | null }>`delete from ${table} where ${scoped} returning ${cols.has("id") ? sql`id::text` : sql`null::text`} as id`.execute(tx.db);
    touched = r.rows.length;
    await redactAuditTargets(tx, e.tenant_id, r.rows.map((x) => x.id).filter((id): id is string => !!id));
  } else {
    const step = sameStep(cat, entry, e);
    if (!step) return `no ${e.action} step of the data map rewrites ${e.columns.join(", ")} here`;
    const sets = step.set.filter((s) => cols.has(s.column) && !cols.get(s.column)!.generated);
    if (!sets.length) return "none of the rewritten columns exist here";
    const assignments = sql.join(sets.map((s) => sql`${sql.ref(s.column)} = ${valueSql(s.value, cols.get(s.column), pseudonym)}`));
    const r = await sql`update ${table} set ${assignments} where ${scoped}`.execute(tx.db);
    touched = Number(r.numAffectedRows ?? 0);
    if (e.action === "anonymise") await redactAuditTargets(tx, e.tenant_id, e.row_ids);
  }
  return touched;
}

/** Every row of a purged workspace, in the purge's own order, then its tenant row. */
async function purgeAgain(tx: Ctx, tenantId: string): Promise<number> {
  if (!/^[0-9a-f-]{36}$/i.test(tenantId)) return 0;
  let rows = 0;
  for (const p of await purgePlan(tx.db)) {
    const r = await sql`delete from ${sql.table(p.table)} where ${sql.ref(p.column)} = ${tenantId}::uuid`.execute(tx.db);
    rows += Number(r.numAffectedRows ?? 0);
  }
  const r = await sql`delete from tenants where id = ${tenantId}::uuid`.execute(tx.db);
  return rows + Number(r.numAffectedRows ?? 0);
}

/** The rows an entry names: by id where the table has one, else by the subject's link column. */
function rowsWhere(entry: TableEntry, cols: Map<string, unknown>, e: LedgerRow) {
  if (e.row_ids.length && cols.has("id")) return sql<boolean>`id::text = any(${e.row_ids}::text[])`;
  const links = entry.subjects.filter((s) => s.kind === e.subject_kind && cols.has(s.column));
  if (!links.length || !e.subject_ids.length) return "the entry names no row ids and the table has no link to the subject by id";
  return sql<boolean>`(${sql.join(links.map((s) => sql`${sql.ref(s.column)}::text = any(${e.subject_ids}::text[])`), sql` or `)})`;
}

// The eraser's plans, made once per replay rather than once per entry: a long ledger asks for the same few.
const plans = new WeakMap<Catalogue, Map<string, Step[]>>();
function plan(cat: Catalogue, kinds: SubjectKind[], mode: "user" | "person", scope: "tenant" | "platform"): Step[] {
  if (!plans.has(cat)) plans.set(cat, new Map());
  const key = `${kinds.join(",")}|${mode}|${scope}`;
  const known = plans.get(cat)!;
  if (!known.has(key)) known.set(key, planErasure(cat, new Set(kinds), mode, scope));
  return known.get(key)!;
}

/** The eraser's step that wrote this entry: same table, action and rewritten columns. */
function sameStep(cat: Catalogue, entry: TableEntry, e: LedgerRow) {
  const kind = e.subject_kind as SubjectKind;
  const kinds: SubjectKind[] = kind === "user" ? ["user"] : ["contact", "lead", "email"];
  const scope = e.tenant_id ? "tenant" : "platform";
  for (const mode of kind === "user" ? (["user", "person"] as const) : (["person"] as const)) {
    const step = plan(cat, kinds, mode, scope).find(
      (s) => s.entry === entry && s.action === e.action && s.set.map((x) => x.column).join(",") === e.columns.join(","),
    );
    if (step) return step;
  }
  return null;
}
