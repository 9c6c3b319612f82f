import { sql, type Kysely } from "kysely";

// One call per API request for the key and its rate-limit counter (issue 9, item 8). Until now a request found its
// key (api_key_by_hash) and then counted the hit in a second statement; api_key_hit does both in one round trip.
// The counter stays in rate_limit_counters under the same bucket (`api:<key id>`) and one-minute window, so every
// web process still shares it. A write that the workspace's read-only state refuses is not counted (p_write and a
// workspace that is not active), as before, when the refusal came before the counter. Revoked keys are not found
// and count nothing. Frozen in time: never import src/.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`drop function app_private.api_key_by_hash(text)`);
  await run(sql`
    create function app_private.api_key_hit(p_hash text, p_window_start timestamptz, p_write boolean)
    returns table (tenant_id uuid, id uuid, status text, name text, scopes text[], last_used_at timestamptz, hits integer)
    language sql volatile security definer set search_path = pg_catalog, pg_temp
    as $$
      with k as (
        select k.tenant_id, k.id, t.status, k.name, k.scopes, k.last_used_at
        from public.api_keys k join public.tenants t on t.id = k.tenant_id
        where k.secret_hash = p_hash and k.revoked_at is null
      ), hit as (
        insert into public.rate_limit_counters as c (bucket, window_start, hits)
        select 'api:' || k.id, p_window_start, 1 from k where not (p_write and k.status <> 'active')
        on conflict (bucket, window_start) do update set hits = c.hits + 1
        returning c.hits
      )
      select k.tenant_id, k.id, k.status, k.name, k.scopes, k.last_used_at, (select h.hits from hit h) from k
    $$`);
  await run(sql`revoke all on function app_private.api_key_hit(text, timestamptz, boolean) from public`);
  await run(sql`grant execute on function app_private.api_key_hit(text, timestamptz, boolean) to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`drop function app_private.api_key_hit(text, timestamptz, boolean)`);
  await run(sql`
    create function app_private.api_key_by_hash(p_hash text)
    returns table (tenant_id uuid, id uuid, status text, name text, scopes text[], last_used_at timestamptz)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select k.tenant_id, k.id, t.status, k.name, k.scopes, k.last_used_at
      from public.api_keys k join public.tenants t on t.id = k.tenant_id
      where k.secret_hash = p_hash and k.revoked_at is null
    $$`);
  await run(sql`revoke all on function app_private.api_key_by_hash(text) from public`);
  await run(sql`grant execute on function app_private.api_key_by_hash(text) to steward_app`);
}
