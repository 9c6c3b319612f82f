import { sql } from "kysely";
import type { DB } from "../db.ts";
import { dataMap } from "../datamap.ts";

// Which tables a workspace purge empties, in which order, and as which role. Nothing here names a table: the list
// is every data-map table with a tenant column, the order comes from the foreign keys in pg_constraint, and the
// role from the app role's own privileges.

export interface PurgeTable {
  table: string;
  /** The column that holds the workspace id. */
  column: string;
  /**
   * "app": the app role deletes, with the workspace pinned, under row-level security. "owner": the app role may
   * not delete from this table (audit events, the ledger and request records are append-only for it; stage totals
   * are kept by triggers), so the owner does, still with the workspace pinned (forced RLS applies to it too).
   */
  role: "app" | "owner";
}

interface CatalogueRow {
  table: string;
  app_may_delete: boolean;
  parents: string[];
}

/**
 * Children before parents, so a batch never cascades into tables not yet counted (and a parent with a NO ACTION
 * key, such as pipelines under deals, is never refused). Ties keep the data map's order. A cycle, should one ever
 * appear, falls back to that order: the tenant row's own ON DELETE CASCADE and the purge's final sweep cover it.
 */
export function orderChildrenFirst(tables: string[], parentsOf: Map<string, string[]>): string[] {
  const remaining = new Set(tables);
  const out: string[] = [];
  while (remaining.size) {
    const childless = tables.filter((t) => remaining.has(t) && ![...remaining].some((c) => c !== t && (parentsOf.get(c) ?? []).includes(t)));
    const next = childless.length ? childless : tables.filter((t) => remaining.has(t)).slice(0, 1);
    for (const t of next) {
      remaining.delete(t);
      out.push(t);
    }
  }
  return out;
}

/** The purge's plan, read through the app pool: its privileges are what decide the role of each table. */
export async function purgePlan(app: DB): Promise<PurgeTable[]> {
  const mapped = dataMap.filter((e) => e.tenantColumn && e.tenantColumn !== "id");
  const names = mapped.map((e) => e.table);
  const rows = await sql<CatalogueRow>`
    select c.relname as table,
      has_table_privilege(current_user, c.oid, 'DELETE') as app_may_delete,
      coalesce((select array_agg(distinct p.relname::text) from pg_constraint k join pg_class p on p.oid = k.confrelid
                where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid), '{}') as parents
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname = any(${names}::text[])`.execute(app);
  const found = new Map(rows.rows.map((r) => [r.table, r]));
  const present = names.filter((t) => found.has(t));
  const order = orderChildrenFirst(present, new Map(present.map((t) => [t, found.get(t)!.parents])));
  return order.map((table) => ({
    table,
    column: mapped.find((e) => e.table === table)!.tenantColumn!,
    role: found.get(table)!.app_may_delete ? "app" : "owner",
  }));
}
