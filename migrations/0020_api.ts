import { sql, type Kysely } from "kysely";

// The REST API, issue 9 items 1–5 and 7: API keys, refresh tokens for user apps, and stored Idempotency-Key
// responses. Frozen in time: never import src/.
//
// Secrets are never stored: api_keys.secret_hash and api_refresh_tokens.token_hash are SHA-256 hex of the whole
// credential (P22). A bearer credential names no workspace, so its row is found by hash through a security
// definer function that returns only the workspace and the row id; everything else is then read under RLS.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table api_keys (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      -- The first characters of the key, shown in the list so people can tell keys apart.
      prefix text not null check (length(prefix) between 8 and 20),
      secret_hash text not null unique check (secret_hash ~ '^[0-9a-f]{64}$'),
      scopes text[] not null check (scopes <@ array['read', 'write'] and cardinality(scopes) between 1 and 2),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      last_used_at timestamptz,
      revoked_at timestamptz,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index api_keys_list on api_keys (tenant_id, created_at desc, id desc)`);
  await run(sql`create index api_keys_creator on api_keys (created_by) where created_by is not null`);

  // One row per refresh token; a family is every token rotated from one sign-in. Reusing a used token revokes the
  // family (P22).
  await run(sql`
    create table api_refresh_tokens (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      family_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index api_refresh_tokens_family on api_refresh_tokens (tenant_id, family_id)`);
  await run(sql`create index api_refresh_tokens_user on api_refresh_tokens (user_id)`);
  await run(sql`create index api_refresh_tokens_expires on api_refresh_tokens (expires_at)`);

  // The first response to a POST with an Idempotency-Key, replayed for a repeat from the same credential.
  await run(sql`
    create table api_idempotency (
      tenant_id uuid not null references tenants (id) on delete cascade,
      credential_id uuid not null,
      idempotency_key text not null check (length(idempotency_key) between 1 and 255),
      request_hash text not null,
      status int not null,
      body jsonb,
      created_at timestamptz not null,
      primary key (tenant_id, credential_id, idempotency_key)
    )`);
  await run(sql`create index api_idempotency_created on api_idempotency (created_at)`);

  for (const t of ["api_keys", "api_refresh_tokens", "api_idempotency"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
  // The lookups and the erasure revocation below run as the owner, across workspaces.
  for (const t of ["api_keys", "api_refresh_tokens"]) {
    await run(sql`create policy owner_reads on ${sql.table(t)} for select to steward_owner using (true)`);
    await run(sql`create policy owner_revokes on ${sql.table(t)} for update to steward_owner using (true) with check (true)`);
  }
  // Retention (the purge-auth job) deletes old idempotency records and dead refresh tokens across workspaces.
  await run(sql`create policy owner_purges on api_idempotency for delete to steward_owner using (true)`);
  await run(sql`create policy owner_purges on api_refresh_tokens for delete to steward_owner using (true)`);
  await run(sql`create policy owner_lists on api_idempotency for select to steward_owner using (true)`);

  await run(sql`
    create function app_private.api_key_by_hash(p_hash text)
    returns table (tenant_id uuid, id uuid, status text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select k.tenant_id, k.id, t.status from public.api_keys k join public.tenants t on t.id = k.tenant_id
      where k.secret_hash = p_hash
    $$`);
  await run(sql`
    create function app_private.api_refresh_by_hash(p_hash text)
    returns table (tenant_id uuid, id uuid)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select r.tenant_id, r.id from public.api_refresh_tokens r where r.token_hash = p_hash $$`);
  // P15: an account being erased loses its API access at once, in every workspace.
  await run(sql`
    create function app_private.revoke_user_api_credentials(p_user uuid, p_now timestamptz)
    returns int
    language plpgsql volatile security definer set search_path = pg_catalog, pg_temp
    as $$
      declare n int; m int;
      begin
        update public.api_keys set revoked_at = p_now where created_by = p_user and revoked_at is null;
        get diagnostics n = row_count;
        update public.api_refresh_tokens set revoked_at = p_now where user_id = p_user and revoked_at is null;
        get diagnostics m = row_count;
        return n + m;
      end
    $$`);
  for (const f of ["api_key_by_hash(text)", "api_refresh_by_hash(text)", "revoke_user_api_credentials(uuid, timestamptz)"]) {
    await run(sql.raw(`revoke all on function app_private.${f} from public`));
    await run(sql.raw(`grant execute on function app_private.${f} to steward_app`));
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const f of ["api_key_by_hash", "api_refresh_by_hash", "revoke_user_api_credentials"]) {
    await sql.raw(`drop function if exists app_private.${f} cascade`).execute(db);
  }
  for (const t of ["api_idempotency", "api_refresh_tokens", "api_keys"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
