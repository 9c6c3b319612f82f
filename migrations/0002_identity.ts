import { sql, type Kysely } from "kysely";

// Identity, workspaces, memberships, sessions, rate limits and the audit trail. Frozen in time: never import src/.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  // Row-level security reads the tenant from a transaction-local setting. A pooled connection reads an unset
  // setting back as '', hence nullif; no setting means no rows (fail closed).
  await run(sql`
    create function app_private.current_tenant() returns uuid language sql stable
    set search_path = pg_catalog, pg_temp
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$`);
  await run(sql`grant execute on function app_private.current_tenant() to steward_app`);

  // ---- platform tables: people and their sign-in state (no workspace) ----
  await run(sql`
    create table users (
      id uuid primary key,
      name text not null check (length(name) between 1 and 200),
      email text not null check (length(email) between 3 and 320),
      email_normalized text not null unique,
      password_hash text not null,
      locked_until timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  await run(sql`
    create table password_history (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      password_hash text not null,
      created_at timestamptz not null
    )`);
  await run(sql`create index password_history_user on password_history (user_id, created_at desc)`);
  await run(sql`
    create table sessions (
      id text primary key,
      secret_hash bytea not null,
      user_id uuid not null references users (id) on delete cascade,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz not null,
      ip text,
      user_agent text
    )`);
  await run(sql`create index sessions_user on sessions (user_id)`);
  await run(sql`create index sessions_expires on sessions (expires_at)`);
  await run(sql`
    create table sign_in_failures (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      ip text,
      at timestamptz not null
    )`);
  await run(sql`create index sign_in_failures_user on sign_in_failures (user_id, at)`);
  // Fixed-window counters shared by every process (P05): one row per bucket and window.
  await run(sql`
    create table rate_limit_counters (
      bucket text not null,
      window_start timestamptz not null,
      hits integer not null,
      primary key (bucket, window_start)
    )`);
  await run(sql`
    create table password_reset_tokens (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      token_hash bytea not null unique,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    )`);
  await run(sql`
    create table email_change_tokens (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      new_email text not null,
      token_hash bytea not null unique,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    )`);
  for (const t of ["users", "password_history", "sessions", "sign_in_failures", "rate_limit_counters", "password_reset_tokens", "email_change_tokens"]) {
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }

  // ---- tenant tables: forced row-level security, keys that carry the tenant ----
  await run(sql`
    create table tenants (
      id uuid primary key,
      name text not null check (length(name) between 1 and 120),
      slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$'),
      time_zone text not null default 'UTC',
      week_start smallint not null default 1 check (week_start between 1 and 7),
      units text not null default 'metric' check (units in ('metric', 'imperial')),
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  await run(sql`
    create table tenant_slug_redirects (
      tenant_id uuid not null references tenants (id) on delete cascade,
      old_slug text not null unique,
      expires_at timestamptz not null,
      primary key (tenant_id, old_slug)
    )`);
  await run(sql`
    create table memberships (
      tenant_id uuid not null references tenants (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'member', 'viewer', 'privacy')),
      created_at timestamptz not null,
      primary key (tenant_id, user_id)
    )`);
  await run(sql`create index memberships_user on memberships (user_id)`);
  await run(sql`
    create table invitations (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      email text not null check (length(email) between 3 and 320),
      role text not null check (role in ('owner', 'admin', 'member', 'viewer', 'privacy')),
      token_hash bytea not null unique,
      invited_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz,
      primary key (tenant_id, id)
    )`);

  // The tenant's own row is visible only inside that tenant.
  await run(sql`alter table tenants enable row level security`);
  await run(sql`alter table tenants force row level security`);
  await run(sql`create policy tenant_isolation on tenants using (id = app_private.current_tenant()) with check (id = app_private.current_tenant())`);
  for (const t of ["tenant_slug_redirects", "memberships", "invitations"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  }
  for (const t of ["tenants", "tenant_slug_redirects", "memberships", "invitations"]) {
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
  // The owner reads across workspaces: the narrow lookups below run as the owner (security definer) and would
  // otherwise see nothing under forced RLS, and maintenance jobs list the workspaces they iterate. Writes stay
  // per-tenant for every role.
  for (const t of ["tenants", "tenant_slug_redirects", "memberships", "invitations"]) {
    await run(sql`create policy owner_reads on ${sql.table(t)} for select to steward_owner using (true)`);
  }

  // ---- audit trail (P10, P11) ----
  // tenant_id is null for account events (sign-in, lockout) that belong to no workspace.
  await run(sql`create sequence audit_events_seq`);
  await run(sql`
    create table audit_events (
      id uuid primary key,
      seq bigint not null unique,
      tenant_id uuid references tenants (id) on delete cascade,
      actor_type text not null check (actor_type in ('user', 'api', 'system', 'anonymous')),
      actor_id uuid,
      actor_label text,
      action text not null check (action ~ '^[a-z_]+\\.[a-z_]+$'),
      target_type text,
      target_id text,
      ip text,
      user_agent text,
      changes jsonb,
      created_at timestamptz not null,
      prev_hash bytea,
      hash bytea not null
    )`);
  await run(sql`create index audit_events_tenant on audit_events (tenant_id, seq desc)`);
  await run(sql`create index audit_events_actor on audit_events (actor_id)`);
  await run(sql`create index audit_events_created on audit_events (created_at)`);
  // Each row is chained to the previous row of its workspace, over fields that erasure never touches, so that
  // pseudonymising a person keeps the chain whole. The lock serialises writers per workspace until commit, and
  // seq is drawn after it, so seq order is chain order.
  await run(sql`
    create function app_private.audit_chain() returns trigger language plpgsql security definer
    set search_path = pg_catalog, pg_temp
    as $$
    declare
      prev bytea;
    begin
      perform pg_advisory_xact_lock(727002, hashtext(coalesce(new.tenant_id::text, 'platform')));
      select a.hash into prev from public.audit_events a
        where a.tenant_id is not distinct from new.tenant_id order by a.seq desc limit 1;
      new.seq := nextval('public.audit_events_seq');
      new.prev_hash := prev;
      new.hash := sha256(coalesce(prev, ''::bytea) || convert_to(concat_ws('|',
        new.id::text, coalesce(new.tenant_id::text, ''), new.seq::text, new.actor_type, new.action,
        coalesce(new.target_type, ''), coalesce(new.target_id, ''),
        to_char(new.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')), 'UTF8'));
      return new;
    end $$`);
  await run(sql`create trigger audit_chain before insert on audit_events for each row execute function app_private.audit_chain()`);
  // Audit rows cannot be edited: only the pseudonymisation columns may change (erasure, by the owner role).
  await run(sql`
    create function app_private.audit_immutable() returns trigger language plpgsql
    set search_path = pg_catalog, pg_temp
    as $$
    begin
      if (new.id, new.seq, new.tenant_id, new.actor_type, new.action, new.target_type, new.target_id, new.created_at, new.prev_hash, new.hash)
         is distinct from
         (old.id, old.seq, old.tenant_id, old.actor_type, old.action, old.target_type, old.target_id, old.created_at, old.prev_hash, old.hash) then
        raise exception 'audit events cannot be changed' using errcode = '42501';
      end if;
      return new;
    end $$`);
  await run(sql`create trigger audit_immutable before update on audit_events for each row execute function app_private.audit_immutable()`);
  await run(sql`alter table audit_events enable row level security`);
  await run(sql`alter table audit_events force row level security`);
  await run(sql`create policy tenant_rows on audit_events using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  // Account events are written by the app but read only by maintenance (owner).
  await run(sql`create policy account_events_insert on audit_events for insert to steward_app with check (tenant_id is null)`);
  await run(sql`create policy account_events_owner on audit_events to steward_owner using (tenant_id is null) with check (tenant_id is null)`);
  await run(sql`grant select, insert on audit_events to steward_app`);

  // ---- lookups across workspaces, for the app role, each answering one narrow question ----
  // Which workspace is behind this slug, and what is this user's role there (null: not a member).
  await run(sql`
    create function app_private.membership_by_slug(p_user uuid, p_slug text)
    returns table (tenant_id uuid, name text, slug text, role text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select t.id, t.name, t.slug, m.role from public.tenants t
      join public.memberships m on m.tenant_id = t.id and m.user_id = p_user
      where t.slug = p_slug
    $$`);
  // The current slug for an old one, while its redirect lasts (only for members, so it reveals nothing).
  await run(sql`
    create function app_private.slug_redirect(p_user uuid, p_slug text, p_now timestamptz)
    returns text
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select t.slug from public.tenant_slug_redirects r
      join public.tenants t on t.id = r.tenant_id
      join public.memberships m on m.tenant_id = t.id and m.user_id = p_user
      where r.old_slug = p_slug and r.expires_at > p_now
    $$`);
  // The workspaces a user belongs to, for the switcher.
  await run(sql`
    create function app_private.user_workspaces(p_user uuid)
    returns table (tenant_id uuid, name text, slug text, role text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select t.id, t.name, t.slug, m.role from public.memberships m
      join public.tenants t on t.id = m.tenant_id
      where m.user_id = p_user order by t.name
    $$`);
  // The workspace of an invitation, found by the hash of its token (the token itself is never stored).
  await run(sql`
    create function app_private.invitation_by_token(p_token_hash bytea)
    returns table (tenant_id uuid, invitation_id uuid)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select i.tenant_id, i.id from public.invitations i where i.token_hash = p_token_hash $$`);
  // Whether a slug is free, counting the old slugs still redirecting.
  await run(sql`
    create function app_private.slug_available(p_slug text, p_now timestamptz)
    returns boolean
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select not exists (select 1 from public.tenants where slug = p_slug)
         and not exists (select 1 from public.tenant_slug_redirects where old_slug = p_slug and expires_at > p_now)
    $$`);
  // An old slug whose 30 days are over belongs to nobody: free it before someone claims it. (Another workspace's
  // expired row is invisible to the claimant under RLS, and old_slug is unique across workspaces.)
  await run(sql`create policy owner_releases_expired on tenant_slug_redirects for delete to steward_owner using (expires_at <= now())`);
  await run(sql`
    create function app_private.release_expired_slug(p_slug text, p_now timestamptz)
    returns void
    language sql volatile security definer set search_path = pg_catalog, pg_temp
    as $$ delete from public.tenant_slug_redirects where old_slug = p_slug and expires_at <= p_now $$`);
  for (const f of ["membership_by_slug(uuid, text)", "release_expired_slug(text, timestamptz)", "slug_redirect(uuid, text, timestamptz)", "user_workspaces(uuid)", "invitation_by_token(bytea)", "slug_available(text, timestamptz)"]) {
    await run(sql.raw(`revoke all on function app_private.${f} from public`));
    await run(sql.raw(`grant execute on function app_private.${f} to steward_app`));
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["audit_events", "invitations", "memberships", "tenant_slug_redirects", "tenants", "email_change_tokens", "password_reset_tokens", "rate_limit_counters", "sign_in_failures", "sessions", "password_history", "users"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
  await sql`drop sequence if exists audit_events_seq`.execute(db);
  for (const f of ["membership_by_slug", "release_expired_slug", "slug_redirect", "user_workspaces", "invitation_by_token", "slug_available", "audit_chain", "audit_immutable", "current_tenant"]) {
    await sql.raw(`drop function if exists app_private.${f} cascade`).execute(db);
  }
}
