import { sql } from "kysely";
import { authorize } from "../tenancy/permissions.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { searchQuery } from "./shared.ts";

export interface SearchHit {
  kind: "companies" | "contacts" | "leads" | "deals";
  id: string;
  title: string;
  detail: string | null;
}

const PER_KIND = 5;

const RANKED = 200;

/**
 * The global search box: any record by name, email or phone, a few of each kind, best matches first. Uses the
 * generated tsvector columns (GIN-indexed); something typed like a phone number matches phones by their digits.
 */
export async function globalSearch(ctx: Ctx, typed: string): Promise<SearchHit[]> {
  authorize(ctx, "records.view");
  const q = searchQuery(typed.slice(0, 200));
  if (!q) return [];
  return inTransaction(ctx, async (tx) => {
    // Each kind's best matches by rank, through the index (see migrations/0003_crm.ts). A broad search ranks the
    // first RANKED matches found rather than all of them: a box showing five of each kind needs no more.
    const top = (table: "contacts" | "companies" | "leads" | "deals") =>
      sql`(select m.id, m.rank from app_private.search_first(${table}, ${q}, ${RANKED}) m order by m.rank desc, m.id limit ${PER_KIND})`;
    const r = await sql<SearchHit>`
      (select 'contacts' as kind, k.id, trim(k.first_name || ' ' || k.last_name) as title, k.emails[1] as detail
         from ${top("contacts")} m join contacts k on k.id = m.id order by m.rank desc, k.id)
      union all
      (select 'companies', c.id, c.name, c.domain from ${top("companies")} m join companies c on c.id = m.id order by m.rank desc, c.id)
      union all
      (select 'leads', l.id, l.name, coalesce(l.email, l.company_name) from ${top("leads")} m join leads l on l.id = m.id order by m.rank desc, l.id)
      union all
      (select 'deals', d.id, d.title, d.status from ${top("deals")} m join deals d on d.id = m.id order by m.rank desc, d.id)`.execute(tx.db);
    return r.rows;
  });
}
