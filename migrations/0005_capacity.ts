import { sql, type Kysely } from "kysely";

// Capacity planning, issue 5, items 1–3: programs (queues), agents, contact volumes per interval, and CSV import
// jobs for volumes and agents. Frozen in time: never import src/.
//
// Units, fixed here so every reader agrees: service-level target, maximum occupancy and maximum abandon rate are
// fractions (0.8 = 80 %); shrinkage percents are percents (12.5 = 12.5 %); seconds are seconds; `minute` is the
// minute of the day (program local time, no time zones) at which an interval starts; FTE is a fraction of a full
// contract (0.5 = half time).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table capacity_programs (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      -- Plain stored key: unique per workspace case-insensitively, and a keyset sort key (see 0003 on RLS).
      name_key text generated always as (lower(name)) stored,
      channel text not null check (channel in ('voice', 'chat', 'email')),
      interval_minutes smallint not null check (interval_minutes in (15, 30, 60)),
      -- {"1": {"open": 480, "close": 1080} | null, …, "7": …}, ISO weekdays (Monday = 1), minutes of the day.
      opening_hours jsonb not null check (jsonb_typeof(opening_hours) = 'object'),
      sl_target numeric not null check (sl_target > 0 and sl_target <= 1),
      sl_seconds integer not null check (sl_seconds between 0 and 3600),
      asa_goal_seconds integer check (asa_goal_seconds between 1 and 3600),
      max_occupancy numeric check (max_occupancy > 0 and max_occupancy <= 1),
      -- [{"name": "Breaks", "percent": 12.5}, …]; the total is their sum and stays below 100.
      shrinkage jsonb not null default '[]' check (jsonb_typeof(shrinkage) = 'array'),
      patience_seconds integer check (patience_seconds between 1 and 86400),
      max_abandon_rate numeric check (max_abandon_rate >= 0 and max_abandon_rate < 1),
      default_aht_seconds integer not null check (default_aht_seconds between 1 and 86400),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, name_key)
    )`);

  await run(sql`
    create table capacity_agents (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      name_key text generated always as (lower(name)) stored,
      employee_id text not null check (length(employee_id) between 1 and 50),
      -- "E-12" and "e-12" are the same person in every HR system we import from.
      employee_key text generated always as (lower(employee_id)) stored,
      fte numeric not null check (fte > 0 and fte <= 1.5),
      status text not null default 'active' check (status in ('active', 'training', 'leave', 'left')),
      start_date date not null,
      end_date date check (end_date is null or end_date >= start_date),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, employee_key)
    )`);
  await run(sql`create index capacity_agents_name on capacity_agents (tenant_id, name_key, id)`);
  await run(sql`create index capacity_agents_status on capacity_agents (tenant_id, status, name_key, id)`);

  await run(sql`
    create table capacity_agent_programs (
      tenant_id uuid not null,
      agent_id uuid not null,
      program_id uuid not null,
      primary key (tenant_id, agent_id, program_id),
      foreign key (tenant_id, agent_id) references capacity_agents (tenant_id, id) on delete cascade,
      foreign key (tenant_id, program_id) references capacity_programs (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index capacity_agent_programs_program on capacity_agent_programs (tenant_id, program_id, agent_id)`);

  await run(sql`
    create table capacity_intervals (
      tenant_id uuid not null,
      program_id uuid not null,
      day date not null,
      minute smallint not null check (minute between 0 and 1439),
      offered integer not null check (offered between 0 and 10000000),
      handled integer check (handled between 0 and 10000000),
      aht_seconds numeric check (aht_seconds >= 0 and aht_seconds <= 86400),
      staffed_agents numeric check (staffed_agents >= 0 and staffed_agents <= 100000),
      primary key (tenant_id, program_id, day, minute),
      foreign key (tenant_id, program_id) references capacity_programs (tenant_id, id) on delete cascade
    )`);

  await run(sql`
    create table capacity_imports (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      kind text not null check (kind in ('volumes', 'agents')),
      program_id uuid,
      filename text not null check (length(filename) between 1 and 255),
      file bytea not null check (octet_length(file) between 1 and 52428800),
      delimiter text not null check (delimiter in (',', ';')),
      has_bom boolean not null default false,
      header text[] not null check (cardinality(header) between 1 and 200),
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      total_rows integer check (total_rows >= 0),
      processed_rows integer not null default 0 check (processed_rows >= 0),
      created_count integer not null default 0 check (created_count >= 0),
      updated_count integer not null default 0 check (updated_count >= 0),
      rejected_count integer not null default 0 check (rejected_count >= 0),
      -- The rejected rows as CSV (their original columns plus a "reason" column), for download.
      rejected bytea,
      error text check (length(error) <= 2000),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, program_id) references capacity_programs (tenant_id, id) on delete cascade,
      check ((kind = 'volumes') = (program_id is not null)),
      check ((status in ('done', 'failed')) = (finished_at is not null))
    )`);
  await run(sql`create index capacity_imports_list on capacity_imports (tenant_id, created_at desc, id desc)`);
  await run(sql`create index capacity_imports_program on capacity_imports (tenant_id, program_id, created_at desc)`);
  await run(sql`create index capacity_imports_finished on capacity_imports (tenant_id, finished_at) where finished_at is not null`);

  for (const t of ["capacity_programs", "capacity_agents", "capacity_agent_programs", "capacity_intervals", "capacity_imports"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["capacity_imports", "capacity_intervals", "capacity_agent_programs", "capacity_agents", "capacity_programs"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
