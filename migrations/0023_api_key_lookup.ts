import { sql, type Kysely } from "kysely";

// The REST API's key lookup returns what a request needs (name, scopes, last use) in the one call that finds the
// key, so an API request no longer opens a transaction just to read its own key (issue 9, speed). Revoked keys are
// not found at all. Frozen in time: never import src/.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`drop function app_private.api_key_by_hash(text)`);
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

export async function down(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`drop function app_private.api_key_by_hash(text)`);
  await run(sql`
    create function app_private.api_key_by_hash(p_hash text)
    returns table (tenant_id uuid, id uuid, status text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select k.tenant_id, k.id, t.status from public.api_keys k join public.tenants t on t.id = k.tenant_id
      where k.secret_hash = p_hash
    $$`);
  await run(sql`revoke all on function app_private.api_key_by_hash(text) from public`);
  await run(sql`grant execute on function app_private.api_key_by_hash(text) to steward_app`);
}
