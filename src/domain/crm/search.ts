import { sql } from "kysely";
import { authorize } from "../tenancy/permissions.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { phoneDigits, searchQuery } from "./shared.ts";

export interface SearchHit {
  kind: "companies" | "contacts" | "leads" | "deals";
  id: string;
  title: string;
  detail: string | null;
}

const PER_KIND = 5;

/**
 * The global search box: any record by name, email or phone, a few of each kind, best matches first. Uses the
 * generated tsvector columns (GIN-indexed); a run of digits also matches phone numbers as typed elsewhere.
 */
export async function globalSearch(ctx: Ctx, typed: string): Promise<SearchHit[]> {
  authorize(ctx, "records.view");
  const q = searchQuery(typed.slice(0, 200));
  if (!q) return [];
  const digits = phoneDigits(typed);
  return inTransaction(ctx, async (tx) => {
    const r = await sql<SearchHit>`
      (select 'contacts' as kind, id, trim(first_name || ' ' || last_name) as title, emails[1] as detail
         from contacts where search @@ to_tsquery('simple', ${q})
            or (${digits.length >= 5} and exists (select 1 from unnest(phones) p where regexp_replace(p, '\\D', '', 'g') like ${"%" + digits + "%"}))
         order by ts_rank(search, to_tsquery('simple', ${q})) desc, id limit ${PER_KIND})
      union all
      (select 'companies', id, name, domain from companies where search @@ to_tsquery('simple', ${q})
         order by ts_rank(search, to_tsquery('simple', ${q})) desc, id limit ${PER_KIND})
      union all
      (select 'leads', id, name, coalesce(email, company_name) from leads where search @@ to_tsquery('simple', ${q})
         order by ts_rank(search, to_tsquery('simple', ${q})) desc, id limit ${PER_KIND})
      union all
      (select 'deals', id, title, status from deals where search @@ to_tsquery('simple', ${q})
         order by ts_rank(search, to_tsquery('simple', ${q})) desc, id limit ${PER_KIND})`.execute(tx.db);
    return r.rows;
  });
}
