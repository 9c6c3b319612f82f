import { sql, type Kysely } from "kysely";

// CSV imports of companies, contacts and leads (issue 4, item 8). Frozen in time: never import src/.
//
// The uploaded file lives in Postgres like attachments do, so backups, tenant purges and the 30-day retention
// job cover it with no second store to forget. `processed_rows` is written in the same transaction as each
// batch's records: a job that dies resumes exactly after the last committed batch.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table crm_imports (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      object text not null check (object in ('company', 'contact', 'lead')),
      filename text not null check (length(filename) between 1 and 255),
      file bytea not null check (octet_length(file) between 1 and 52428800),
      delimiter text not null check (delimiter in (',', ';')),
      has_bom boolean not null default false,
      header text[] not null check (cardinality(header) between 1 and 200),
      mapping jsonb check (mapping is null or jsonb_typeof(mapping) = 'array'),
      status text not null default 'uploaded' check (status in ('uploaded', 'mapped', 'queued', 'running', 'done', 'failed')),
      total_rows integer check (total_rows >= 0),
      processed_rows integer not null default 0 check (processed_rows >= 0),
      created_count integer not null default 0 check (created_count >= 0),
      updated_count integer not null default 0 check (updated_count >= 0),
      skipped_count integer not null default 0 check (skipped_count >= 0),
      rejected bytea,
      error text check (length(error) <= 2000),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      primary key (tenant_id, id),
      check ((status in ('done', 'failed')) = (finished_at is not null))
    )`);
  await run(sql`create index crm_imports_list on crm_imports (tenant_id, created_at desc, id desc)`);
  await run(sql`create index crm_imports_finished on crm_imports (tenant_id, finished_at) where finished_at is not null`);
  // An import matches leads by email, case-insensitively; without this every batch would scan the tenant's leads.
  await run(sql`create index leads_email on leads (tenant_id, lower(email)) where email is not null`);

  await run(sql`alter table crm_imports enable row level security`);
  await run(sql`alter table crm_imports force row level security`);
  await run(sql`create policy tenant_isolation on crm_imports using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  await run(sql`grant select, insert, update, delete on crm_imports to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists leads_email`.execute(db);
  await sql`drop table if exists crm_imports cascade`.execute(db);
}
