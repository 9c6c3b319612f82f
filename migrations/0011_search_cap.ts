import { sql, type Kysely } from "kysely";

// Searches that match most of a workspace (issue 4, item 6). Frozen in time: never import src/.
//
// app_private.search_matches returns every match with its rank; a list then sorts them all for one page of 50.
// For a narrow search that is a few thousand rows and fast; for a broad one ("91 3", a common surname in a big
// workspace) it is tens of thousands, ranked and sorted for nothing. app_private.search_first stops after p_limit matches:
// a caller that gets fewer knows it has them all, and one that gets p_limit knows the search is broad and can
// walk its list order with the match as a filter instead (see src/domain/crm/shared.ts, searchFilter).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`
    create function app_private.search_first(p_table text, p_query text, p_limit integer)
    returns table (id uuid, rank real)
    language plpgsql stable security definer set search_path = pg_catalog, pg_temp
    as $$
    begin
      if p_table not in ('companies', 'contacts', 'leads', 'deals') then
        raise exception 'search_first: unknown table %', p_table;
      end if;
      if app_private.current_tenant() is null or p_limit is null or p_limit < 1 then
        return;
      end if;
      return query execute format(
        'select t.id, ts_rank(t.search, q) from public.%I t, to_tsquery(''simple'', $1) q
         where t.tenant_id = $2 and t.search @@ q limit $3', p_table)
        using p_query, app_private.current_tenant(), least(p_limit, 100000);
    end $$`);
  await run(sql`revoke all on function app_private.search_first(text, text, integer) from public`);
  await run(sql`grant execute on function app_private.search_first(text, text, integer) to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists app_private.search_first(text, text, integer)`.execute(db);
}
