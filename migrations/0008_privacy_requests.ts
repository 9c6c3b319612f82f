import { sql, type Kysely } from "kysely";

// Privacy requests (P18, P23), account erasure (P15) and the deletion ledger (P24). Frozen in time: never import src/.
//
// A request's personal data (who asked, about which address) lives only in nullable columns that are cleared when
// it reaches a final state, so a completed request is a record of ids, dates and counts. Transitions are appended
// to privacy_request_events, which the app role may read and insert but never change.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  const states = sql.raw(`'identity_unverified', 'pending', 'approved', 'denied', 'scheduled', 'processing', 'completed', 'failed', 'cancelled'`);

  await run(sql`
    create table privacy_requests (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      type text not null check (type in ('access', 'erasure', 'rectification')),
      source text not null check (source in ('staff', 'public')),
      subject_kind text not null check (subject_kind in ('user', 'contact', 'lead', 'email')),
      subject_user_id uuid references users (id) on delete set null,
      subject_contact_id uuid,
      subject_lead_id uuid,
      subject_email text check (length(subject_email) between 3 and 320),
      requester_email text check (length(requester_email) between 3 and 320),
      details text check (length(details) <= 2000),
      state text not null check (state in (${states})),
      received_at timestamptz not null,
      due_at timestamptz not null,
      verified_at timestamptz,
      decided_by uuid references users (id) on delete set null,
      decided_at timestamptz,
      reason text check (length(reason) <= 1000),
      scheduled_for timestamptz,
      completed_at timestamptz,
      failure text check (length(failure) <= 500),
      result_counts jsonb not null default '{}' check (jsonb_typeof(result_counts) = 'object'),
      created_by uuid references users (id) on delete set null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, subject_contact_id) references contacts (tenant_id, id) on delete set null (subject_contact_id),
      foreign key (tenant_id, subject_lead_id) references leads (tenant_id, id) on delete set null (subject_lead_id),
      check (state <> 'denied' or length(trim(reason)) > 0)
    )`);
  await run(sql`create index privacy_requests_queue on privacy_requests (tenant_id, state, due_at)`);
  await run(sql`create index privacy_requests_received on privacy_requests (tenant_id, received_at)`);
  await run(sql`create index privacy_requests_completed on privacy_requests (tenant_id, completed_at) where completed_at is not null`);
  await run(sql`create index privacy_requests_due on privacy_requests (state, scheduled_for) where state = 'scheduled'`);
  for (const col of ["subject_contact_id", "subject_lead_id"]) {
    await run(sql.raw(`create index privacy_requests_${col} on privacy_requests (tenant_id, ${col}) where ${col} is not null`));
  }
  await run(sql`create index privacy_requests_subject_user on privacy_requests (subject_user_id) where subject_user_id is not null`);

  await run(sql`
    create table privacy_request_events (
      tenant_id uuid not null,
      id uuid not null,
      request_id uuid not null,
      action text not null check (action ~ '^[a-z_]{1,40}$'),
      from_state text check (from_state in (${states})),
      to_state text not null check (to_state in (${states})),
      actor_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, request_id) references privacy_requests (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index privacy_request_events_request on privacy_request_events (tenant_id, request_id, created_at)`);

  // One live code per request; only its hash is kept, for ten minutes and a few attempts.
  await run(sql`
    create table privacy_verification_codes (
      tenant_id uuid not null,
      request_id uuid not null,
      code_hash bytea not null,
      expires_at timestamptz not null,
      attempts integer not null default 0 check (attempts >= 0),
      created_at timestamptz not null,
      primary key (tenant_id, request_id),
      foreign key (tenant_id, request_id) references privacy_requests (tenant_id, id) on delete cascade
    )`);

  // Ids only: which rows of which table an erasure removed or rewrote, so a restore can replay it. No foreign keys:
  // the ledger outlives the rows, the request and even the workspace it names.
  await run(sql`
    create table deletion_ledger (
      id uuid primary key,
      tenant_id uuid,
      table_name text not null check (table_name ~ '^[a-z_][a-z0-9_]{0,62}$'),
      action text not null check (action in ('delete', 'anonymise', 'pseudonymise', 'unlink')),
      columns text[] not null default '{}',
      row_ids text[] not null default '{}',
      subject_kind text not null check (subject_kind in ('user', 'contact', 'lead', 'email', 'workspace')),
      subject_ids text[] not null default '{}',
      request_id uuid,
      erased_at timestamptz not null
    )`);
  await run(sql`create index deletion_ledger_tenant on deletion_ledger (tenant_id, erased_at)`);
  await run(sql`create index deletion_ledger_request on deletion_ledger (request_id)`);

  for (const t of ["privacy_requests", "privacy_request_events", "privacy_verification_codes", "deletion_ledger"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  }
  // Account erasures write ledger rows that belong to no workspace; only maintenance (the owner) does.
  await run(sql`create policy platform_rows on deletion_ledger to steward_owner using (tenant_id is null) with check (tenant_id is null)`);
  // The purge job finds due erasures across workspaces.
  await run(sql`create policy owner_reads on privacy_requests for select to steward_owner using (true)`);
  await run(sql`grant select, insert, update on privacy_requests to steward_app`);
  await run(sql`grant select, insert on privacy_request_events to steward_app`);
  await run(sql`grant select, insert, update, delete on privacy_verification_codes to steward_app`);
  await run(sql`grant select, insert on deletion_ledger to steward_app`);

  // P15: a user's own erasure, across every workspace. Platform table: it belongs to an account, not a workspace.
  await run(sql`
    create table account_erasures (
      id uuid primary key,
      user_id uuid references users (id) on delete set null,
      state text not null check (state in ('scheduled', 'processing', 'completed', 'failed', 'cancelled')),
      requested_at timestamptz not null,
      scheduled_for timestamptz not null,
      cancel_token_hash bytea unique,
      cancelled_at timestamptz,
      started_at timestamptz,
      completed_at timestamptz,
      failure text check (length(failure) <= 500),
      result_counts jsonb not null default '{}' check (jsonb_typeof(result_counts) = 'object')
    )`);
  await run(sql`create unique index account_erasures_one_open on account_erasures (user_id) where state in ('scheduled', 'processing', 'failed')`);
  await run(sql`create index account_erasures_due on account_erasures (state, scheduled_for)`);
  await run(sql`grant select, insert, update on account_erasures to steward_app`);

  // The public request page names a workspace by its slug before anyone is signed in: its id and name only.
  await run(sql`
    create function app_private.privacy_request_workspace(p_slug text)
    returns table (tenant_id uuid, name text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select t.id, t.name from public.tenants t where t.slug = p_slug $$`);
  await run(sql`revoke all on function app_private.privacy_request_workspace(text) from public`);
  await run(sql`grant execute on function app_private.privacy_request_workspace(text) to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["account_erasures", "deletion_ledger", "privacy_verification_codes", "privacy_request_events", "privacy_requests"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
  await sql`drop function if exists app_private.privacy_request_workspace(text)`.execute(db);
}
