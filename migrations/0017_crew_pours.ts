import { sql, type Kysely } from "kysely";

// Crews, issue 7, items 5 and 6: concrete pours (Place & Finish) with their placing and finishing crews, the log
// written after a pour, and the weather forecasts fetched for pour sites. Frozen in time: never import src/.
//
// A pour's day and start_time are local to the workspace's time zone. Its volume is in the unit the workspace used
// when the pour was created (volume_unit), so a later switch between metric and imperial never re-reads an old
// number in the wrong unit; pour logs carry their temperature unit for the same reason.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table crew_pours (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      project_id uuid not null,
      day date not null,
      start_time time not null,
      location text not null check (length(location) between 1 and 200),
      volume numeric not null check (volume > 0 and volume <= 100000),
      volume_unit text not null check (volume_unit in ('yd3', 'm3')),
      mix_design text check (length(mix_design) between 1 and 100),
      slump text check (length(slump) between 1 and 50),
      pump_type text check (length(pump_type) between 1 and 100),
      pump_company text check (length(pump_company) between 1 and 200),
      supplier text check (length(supplier) between 1 and 200),
      notes text check (length(notes) between 1 and 2000),
      status text not null default 'tentative'
        check (status in ('tentative', 'confirmed', 'poured', 'cancelled', 'weather_cancelled')),
      status_reason text check (length(status_reason) between 1 and 500),
      confirmed_at timestamptz,
      -- How many times the pour has been confirmed: each confirmation's emails are keyed by it, so a re-confirmation
      -- after a change notifies again while a retried one never does.
      confirmations integer not null default 0 check (confirmations >= 0),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, project_id) references crew_projects (tenant_id, id) on delete cascade,
      check ((status in ('cancelled', 'weather_cancelled')) = (status_reason is not null)),
      check (status <> 'confirmed' or confirmed_at is not null)
    )`);
  // The lookahead and the daily schedule read by day; the keyset is (day, start_time, id).
  await run(sql`create index crew_pours_day on crew_pours (tenant_id, day, start_time, id)`);
  await run(sql`create index crew_pours_project on crew_pours (tenant_id, project_id, day)`);

  await run(sql`
    create table crew_pour_crews (
      tenant_id uuid not null,
      pour_id uuid not null,
      employee_id uuid not null,
      role text not null check (role in ('placing', 'finishing')),
      primary key (tenant_id, pour_id, role, employee_id),
      foreign key (tenant_id, pour_id) references crew_pours (tenant_id, id) on delete cascade,
      foreign key (tenant_id, employee_id) references crew_employees (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index crew_pour_crews_employee on crew_pour_crews (tenant_id, employee_id, pour_id)`);

  await run(sql`
    create table crew_pour_logs (
      tenant_id uuid not null,
      pour_id uuid not null,
      actual_volume numeric not null check (actual_volume >= 0 and actual_volume <= 100000),
      volume_unit text not null check (volume_unit in ('yd3', 'm3')),
      -- Local times on the pour day; an end before the start means the pour ran past midnight.
      started_at time,
      ended_at time,
      air_temp numeric check (air_temp between -100 and 200),
      concrete_temp numeric check (concrete_temp between -100 and 250),
      temp_unit text not null check (temp_unit in ('F', 'C')),
      notes text check (length(notes) between 1 and 2000),
      logged_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, pour_id),
      foreign key (tenant_id, pour_id) references crew_pours (tenant_id, id) on delete cascade
    )`);

  // Forecasts per place (latitude and longitude rounded to 2 decimals, about 1 km) and local day, so every pour on
  // one site shares one fetch. Rows are refetched when stale (see src/domain/crews/weather.ts).
  await run(sql`
    create table crew_weather_cache (
      tenant_id uuid not null references tenants (id) on delete cascade,
      provider text not null check (provider in ('nws', 'open-meteo')),
      place_key text not null check (place_key ~ '^-?[0-9]{1,3}\.[0-9]{2},-?[0-9]{1,3}\.[0-9]{2}$'),
      day date not null,
      hourly jsonb not null check (jsonb_typeof(hourly) = 'array'),
      alerts jsonb not null check (jsonb_typeof(alerts) = 'array'),
      fetched_at timestamptz not null,
      primary key (tenant_id, provider, place_key, day)
    )`);
  await run(sql`create index crew_weather_cache_day on crew_weather_cache (tenant_id, day)`);

  for (const t of ["crew_pours", "crew_pour_crews", "crew_pour_logs", "crew_weather_cache"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["crew_weather_cache", "crew_pour_logs", "crew_pour_crews", "crew_pours"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
