import { sql, type Kysely } from "kysely";

// Personal-data and workspace exports (issue 6, P12, P13, P23). Frozen in time: never import src/.
//
// The file is stored in Postgres, in ~1 MB chunks written as the job streams, so every web process can serve a
// download that any worker built, and backups, tenant purges and account erasure reach it like any other row.
//
// One table holds three kinds. Workspace and person exports belong to a workspace (tenant_id set): the usual
// tenant policy applies. A personal export spans all of a user's workspaces, so it has no tenant; its rows are
// visible only in a transaction that pins the acting user (app.user_id), and the requester also reads their own
// workspace exports that way when downloading by link (the domain then checks they may still export). With
// neither setting pinned the app role sees nothing (fail closed).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create function app_private.acting_user() returns uuid language sql stable
    set search_path = pg_catalog, pg_temp
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$`);
  await run(sql`grant execute on function app_private.acting_user() to steward_app`);

  await run(sql`
    create table data_exports (
      id uuid primary key,
      tenant_id uuid references tenants (id) on delete cascade,
      kind text not null check (kind in ('personal', 'workspace', 'person')),
      user_id uuid not null references users (id) on delete cascade,
      subject_type text check (subject_type in ('contact', 'lead')),
      subject_id uuid,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'expired')),
      rows_done integer not null default 0 check (rows_done >= 0),
      rows_total integer check (rows_total >= 0),
      token_hash bytea unique,
      size_bytes bigint check (size_bytes >= 0),
      error text check (length(error) <= 2000),
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      expires_at timestamptz,
      check ((kind = 'personal') = (tenant_id is null)),
      check ((kind = 'person') = (subject_id is not null and subject_type is not null)),
      check ((status = 'done') <= (token_hash is not null and expires_at is not null))
    )`);
  await run(sql`create index data_exports_user on data_exports (user_id, created_at desc)`);
  await run(sql`create index data_exports_tenant on data_exports (tenant_id, created_at desc) where tenant_id is not null`);
  await run(sql`create index data_exports_expiry on data_exports (expires_at) where status = 'done'`);
  // One export at a time: per user for personal exports, per workspace for whole-workspace exports.
  await run(sql`create unique index data_exports_one_personal on data_exports (user_id) where kind = 'personal' and status in ('queued', 'running')`);
  await run(sql`create unique index data_exports_one_workspace on data_exports (tenant_id) where kind = 'workspace' and status in ('queued', 'running')`);

  await run(sql`
    create table data_export_chunks (
      export_id uuid not null references data_exports (id) on delete cascade,
      seq integer not null check (seq >= 0),
      tenant_id uuid references tenants (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      data bytea not null,
      primary key (export_id, seq)
    )`);

  for (const t of ["data_exports", "data_export_chunks"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    // Reads: the pinned workspace's rows, or the acting user's own. Writes: a workspace row only inside its
    // workspace; a personal (tenant-less) row only for the acting user.
    await run(sql`
      create policy tenant_isolation on ${sql.table(t)}
      using (tenant_id = app_private.current_tenant() or user_id = app_private.acting_user())
      with check (tenant_id = app_private.current_tenant() or (tenant_id is null and user_id = app_private.acting_user()))`);
    // The daily expiry job runs as the owner across every user and workspace.
    await run(sql`create policy owner_maintains on ${sql.table(t)} to steward_owner using (true) with check (true)`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists data_export_chunks cascade`.execute(db);
  await sql`drop table if exists data_exports cascade`.execute(db);
  await sql`drop function if exists app_private.acting_user()`.execute(db);
}
