import { sql, type Kysely } from "kysely";

// Crews, issue 7, item 1: regions, employees (field workers, not app users) with their certifications, projects
// with their contacts, and the workspace's crews settings. Frozen in time: never import src/.
//
// The other crews migrations (0015 schedule, 0016 projections, 0017 pours) point at these tables; the column
// names here are a contract between them. Colours are lower-case '#rrggbb'; latitude and longitude are decimal
// degrees (WGS 84); weather_rules null means the documented defaults (see src/domain/crews/settings.ts).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  const stamps = sql`created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null`;

  await run(sql`
    create table crew_regions (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      -- Plain stored key (see 0003 on RLS and expression keys): unique case-insensitively, and the sort key.
      name_key text generated always as (lower(name)) stored,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, name_key)
    )`);

  await run(sql`
    create table crew_employees (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      name_key text generated always as (lower(name)) stored,
      trade text not null check (length(trade) between 1 and 50),
      foreman_id uuid,
      region_id uuid,
      phone text check (length(phone) between 1 and 50),
      email text check (length(email) between 3 and 254),
      -- Imports match people by email case-insensitively.
      email_key text generated always as (lower(email)) stored,
      active boolean not null default true,
      ${stamps},
      primary key (tenant_id, id),
      check (foreman_id is null or foreman_id <> id),
      foreign key (tenant_id, foreman_id) references crew_employees (tenant_id, id) on delete set null (foreman_id),
      -- A region in use cannot be deleted (the domain says so with a message first).
      foreign key (tenant_id, region_id) references crew_regions (tenant_id, id)
    )`);
  await run(sql`create index crew_employees_name on crew_employees (tenant_id, name_key, id)`);
  await run(sql`create index crew_employees_foreman on crew_employees (tenant_id, foreman_id) where foreman_id is not null`);
  await run(sql`create index crew_employees_region on crew_employees (tenant_id, region_id) where region_id is not null`);
  await run(sql`create index crew_employees_email on crew_employees (tenant_id, email_key) where email_key is not null`);

  await run(sql`
    create table crew_certifications (
      tenant_id uuid not null,
      id uuid not null,
      employee_id uuid not null,
      name text not null check (length(name) between 1 and 100),
      expires_on date,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, employee_id) references crew_employees (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index crew_certifications_employee on crew_certifications (tenant_id, employee_id)`);

  await run(sql`
    create table crew_projects (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      name_key text generated always as (lower(name)) stored,
      number text check (length(number) between 1 and 50),
      number_key text generated always as (lower(number)) stored,
      customer text check (length(customer) between 1 and 200),
      region_id uuid,
      address text check (length(address) between 1 and 500),
      latitude numeric check (latitude between -90 and 90),
      longitude numeric check (longitude between -180 and 180),
      starts_on date,
      ends_on date,
      status text not null default 'active' check (status in ('bid', 'active', 'on_hold', 'complete')),
      color text not null default '#1f77b4' check (color ~ '^#[0-9a-f]{6}$'),
      manager_id uuid references users (id) on delete set null,
      ${stamps},
      primary key (tenant_id, id),
      unique (tenant_id, number_key),
      check (starts_on is null or ends_on is null or starts_on <= ends_on),
      check ((latitude is null) = (longitude is null)),
      foreign key (tenant_id, region_id) references crew_regions (tenant_id, id)
    )`);
  await run(sql`create index crew_projects_name on crew_projects (tenant_id, name_key, id)`);
  await run(sql`create index crew_projects_status on crew_projects (tenant_id, status, name_key, id)`);
  await run(sql`create index crew_projects_region on crew_projects (tenant_id, region_id) where region_id is not null`);

  await run(sql`
    create table crew_project_contacts (
      tenant_id uuid not null,
      id uuid not null,
      project_id uuid not null,
      name text not null check (length(name) between 1 and 200),
      email text not null check (length(email) between 3 and 254),
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, project_id) references crew_projects (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index crew_project_contacts_project on crew_project_contacts (tenant_id, project_id)`);

  await run(sql`
    create table crew_settings (
      tenant_id uuid primary key references tenants (id) on delete cascade,
      distribution_weekday smallint not null default 5 check (distribution_weekday between 1 and 7),
      distribution_time time not null default '14:00',
      weather_provider text not null default 'none' check (weather_provider in ('nws', 'open-meteo', 'none')),
      weather_rules jsonb check (weather_rules is null or jsonb_typeof(weather_rules) = 'object'),
      updated_at timestamptz not null
    )`);

  // CSV imports run inline (5,000 rows take well under two seconds); what is kept is the report: counts and the
  // rejected rows with reasons, for download. They may hold names and emails: deleted after 30 days.
  await run(sql`
    create table crew_imports (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      kind text not null check (kind in ('employees', 'projects')),
      filename text not null check (length(filename) between 1 and 255),
      total_rows integer not null check (total_rows >= 0),
      created_count integer not null check (created_count >= 0),
      updated_count integer not null check (updated_count >= 0),
      rejected_count integer not null check (rejected_count >= 0),
      rejected bytea,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index crew_imports_list on crew_imports (tenant_id, created_at desc, id desc)`);
  await run(sql`create index crew_imports_created on crew_imports (created_at)`);

  for (const t of ["crew_regions", "crew_employees", "crew_certifications", "crew_projects", "crew_project_contacts", "crew_settings", "crew_imports"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["crew_imports", "crew_settings", "crew_project_contacts", "crew_projects", "crew_certifications", "crew_employees", "crew_regions"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
