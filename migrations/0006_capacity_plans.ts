import { sql, type Kysely } from "kysely";

// Capacity planning, issue 5, items 4, 5 and 7: stored forecasts with their manual adjustments, staffing plans
// (and what-if scenarios, which are plans with a base plan), hiring classes, and agents' planned leave.
// Frozen in time: never import src/.
//
// Units: every change, rate and goal here is a FRACTION (0.2 = +20 %, 0.8 = 80 %), as in 0005's goals; weekly
// hours are hours; hourly cost is in the workspace's currency (major units); contacts are non-negative floats (a
// forecast is an expectation, not a count); days are dates in the program's local time; `minute` is the minute of
// the day an interval starts. Computed rows (forecast intervals, plan days) are stored so that pages read them
// instead of recomputing: they are rewritten whole whenever their inputs change.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table capacity_forecasts (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      program_id uuid not null,
      name text not null check (length(name) between 1 and 100),
      method text not null check (method in ('profile', 'holt-winters')),
      history_weeks smallint not null check (history_weeks between 1 and 104),
      -- Always a Monday, so that plan weeks are whole ISO weeks.
      start_day date not null check (extract(isodow from start_day) = 1),
      horizon_weeks smallint not null check (horizon_weeks between 1 and 52),
      -- The program's interval when computed; a later change to the program does not reinterpret these rows.
      interval_minutes smallint not null check (interval_minutes in (15, 30, 60)),
      -- {"profile": 0.12, "holt-winters": 0.09}: WAPE of daily totals on the holdout, or null without enough history.
      backtest jsonb check (backtest is null or jsonb_typeof(backtest) = 'object'),
      holdout_days smallint not null default 28 check (holdout_days between 7 and 91),
      history_from date,
      history_to date,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      computed_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, program_id) references capacity_programs (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index capacity_forecasts_program on capacity_forecasts (tenant_id, program_id, created_at desc, id desc)`);

  await run(sql`
    create table capacity_forecast_intervals (
      tenant_id uuid not null,
      forecast_id uuid not null,
      day date not null,
      minute smallint not null check (minute between 0 and 1439),
      base_contacts double precision not null check (base_contacts >= 0),
      -- base_contacts with every adjustment covering this interval applied (their factors multiply).
      contacts double precision not null check (contacts >= 0),
      aht_seconds double precision not null check (aht_seconds > 0 and aht_seconds <= 86400),
      primary key (tenant_id, forecast_id, day, minute),
      foreign key (tenant_id, forecast_id) references capacity_forecasts (tenant_id, id) on delete cascade
    )`);

  // Per-day totals of the intervals above, kept with them, so that the forecast page reads 364 rows, not 35,000.
  await run(sql`
    create table capacity_forecast_days (
      tenant_id uuid not null,
      forecast_id uuid not null,
      day date not null,
      base_contacts double precision not null check (base_contacts >= 0),
      contacts double precision not null check (contacts >= 0),
      -- Σ contacts × AHT (seconds of work), so that weekly average AHT is work ÷ contacts.
      work_seconds double precision not null check (work_seconds >= 0),
      primary key (tenant_id, forecast_id, day),
      foreign key (tenant_id, forecast_id) references capacity_forecasts (tenant_id, id) on delete cascade
    )`);

  await run(sql`
    create table capacity_forecast_adjustments (
      tenant_id uuid not null,
      id uuid not null,
      forecast_id uuid not null,
      from_day date not null,
      to_day date not null,
      -- Optional interval range of each day: from_minute inclusive, to_minute exclusive; both null = whole day.
      from_minute smallint check (from_minute between 0 and 1439),
      to_minute smallint check (to_minute between 1 and 1440),
      change double precision not null check (change >= -1 and change <= 10 and change <> 0),
      note text not null check (length(note) between 1 and 200),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, forecast_id) references capacity_forecasts (tenant_id, id) on delete cascade,
      check (to_day >= from_day),
      check ((from_minute is null) = (to_minute is null)),
      check (from_minute is null or to_minute > from_minute)
    )`);
  await run(sql`create index capacity_forecast_adjustments_forecast on capacity_forecast_adjustments (tenant_id, forecast_id, from_day)`);

  await run(sql`
    create table capacity_plans (
      tenant_id uuid not null,
      id uuid not null,
      forecast_id uuid not null,
      -- Set for a what-if scenario: the plan it was copied from and is compared with.
      base_plan_id uuid,
      name text not null check (length(name) between 1 and 100),
      weekly_hours double precision not null default 37.5 check (weekly_hours between 1 and 80),
      hourly_cost double precision not null default 0 check (hourly_cost between 0 and 100000),
      monthly_attrition double precision not null default 0 check (monthly_attrition between 0 and 1),
      volume_change double precision not null default 0 check (volume_change between -1 and 10),
      aht_change double precision check (aht_change between -0.9 and 10),
      aht_change_seconds integer check (aht_change_seconds between -86400 and 86400),
      service_level double precision check (service_level > 0 and service_level <= 1),
      shrinkage double precision check (shrinkage >= 0 and shrinkage < 1),
      computed_at timestamptz,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, forecast_id) references capacity_forecasts (tenant_id, id) on delete cascade,
      foreign key (tenant_id, base_plan_id) references capacity_plans (tenant_id, id) on delete set null (base_plan_id),
      check (aht_change is null or aht_change_seconds is null)
    )`);
  await run(sql`create index capacity_plans_forecast on capacity_plans (tenant_id, forecast_id, created_at)`);
  await run(sql`create index capacity_plans_base on capacity_plans (tenant_id, base_plan_id) where base_plan_id is not null`);

  await run(sql`
    create table capacity_plan_days (
      tenant_id uuid not null,
      plan_id uuid not null,
      day date not null,
      contacts double precision not null check (contacts >= 0),
      -- Sum over the day's intervals of required agents × interval hours (before shrinkage).
      agent_hours double precision not null check (agent_hours >= 0),
      peak_agents integer not null check (peak_agents >= 0),
      primary key (tenant_id, plan_id, day),
      foreign key (tenant_id, plan_id) references capacity_plans (tenant_id, id) on delete cascade
    )`);

  await run(sql`
    create table capacity_plan_hiring_classes (
      tenant_id uuid not null,
      id uuid not null,
      plan_id uuid not null,
      start_day date not null,
      size smallint not null check (size between 1 and 1000),
      training_weeks smallint not null check (training_weeks between 0 and 52),
      ramp_weeks smallint not null check (ramp_weeks between 0 and 52),
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, plan_id) references capacity_plans (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index capacity_plan_hiring_classes_plan on capacity_plan_hiring_classes (tenant_id, plan_id, start_day)`);

  // No reason column on purpose: why someone is away (illness, parental leave) is not the planner's business.
  await run(sql`
    create table capacity_agent_leave (
      tenant_id uuid not null,
      id uuid not null,
      agent_id uuid not null,
      from_day date not null,
      to_day date not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, agent_id) references capacity_agents (tenant_id, id) on delete cascade,
      check (to_day >= from_day and to_day - from_day <= 366)
    )`);
  await run(sql`create index capacity_agent_leave_agent on capacity_agent_leave (tenant_id, agent_id, from_day)`);
  await run(sql`create index capacity_agent_leave_to on capacity_agent_leave (tenant_id, to_day, id)`);

  const tables = ["capacity_forecasts", "capacity_forecast_intervals", "capacity_forecast_days", "capacity_forecast_adjustments", "capacity_plans", "capacity_plan_days", "capacity_plan_hiring_classes", "capacity_agent_leave"];
  for (const t of tables) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["capacity_agent_leave", "capacity_plan_hiring_classes", "capacity_plan_days", "capacity_plans", "capacity_forecast_adjustments", "capacity_forecast_days", "capacity_forecast_intervals", "capacity_forecasts"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
