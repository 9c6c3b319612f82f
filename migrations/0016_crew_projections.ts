import { sql, type Kysely } from "kysely";

// Crews, issue 7, items 3 and 4: the headcount each project needs by trade over date ranges, and a weekly digest of
// the schedule that the projections read. Frozen in time: never import src/.
//
// crew_assignment_weeks holds, per employee and ISO week (keyed by its Monday), bit masks of the days with a project
// assignment, of PTO and of sick days (bit 0 = Monday … bit 6 = Sunday). Counting distinct people per week from
// two years of daily assignments (250,000 rows) took ~115 ms; from this digest (one row per person and week) it
// takes a few milliseconds. The masks keep single days, so a workspace whose weeks start on another day than
// Monday still gets exact answers by combining two neighbouring rows. Statement-level triggers keep it in step with
// crew_assignments (a double booking, a copied week, a cascade from a deleted project all come out right).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table crew_requirements (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      project_id uuid not null,
      trade text not null check (length(trade) between 1 and 50),
      headcount integer not null check (headcount between 1 and 10000),
      starts_on date not null,
      ends_on date not null,
      note text check (length(note) between 1 and 500),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      check (ends_on >= starts_on),
      foreign key (tenant_id, project_id) references crew_projects (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index crew_requirements_project on crew_requirements (tenant_id, project_id, starts_on, id)`);
  await run(sql`create index crew_requirements_range on crew_requirements (tenant_id, ends_on, starts_on)`);

  await run(sql`
    create table crew_assignment_weeks (
      tenant_id uuid not null references tenants (id) on delete cascade,
      employee_id uuid not null,
      monday date not null check (extract(isodow from monday) = 1),
      project_days smallint not null check (project_days between 0 and 127),
      pto_days smallint not null check (pto_days between 0 and 127),
      sick_days smallint not null default 0 check (sick_days between 0 and 127),
      primary key (tenant_id, monday, employee_id),
      foreign key (tenant_id, employee_id) references crew_employees (tenant_id, id) on delete cascade
    )`);
  // The recomputation looks up one person's week; the projections read by week (the primary key).
  await run(sql`create index crew_assignment_weeks_employee on crew_assignment_weeks (tenant_id, employee_id, monday)`);

  // Transition tables allow one event per trigger, and a function may only name its own trigger's transition
  // tables, hence one function per event (as in 0009). Adding rows only ever sets bits, so inserts need no lookup
  // (a two-year seed goes through in one pass). A removed row clears its day's bit only if no row of the same kind
  // is left on that day (a double booking keeps it): one index probe per removed (person, day).
  const add = sql.raw(`
    insert into public.crew_assignment_weeks as w (tenant_id, employee_id, monday, project_days, pto_days, sick_days)
    select tenant_id, employee_id, date_trunc('week', day)::date,
           bit_or(case when kind = 'project' then 1 << (extract(isodow from day)::int - 1) else 0 end),
           bit_or(case when kind = 'pto' then 1 << (extract(isodow from day)::int - 1) else 0 end),
           bit_or(case when kind = 'sick' then 1 << (extract(isodow from day)::int - 1) else 0 end)
    from new_rows where kind in ('project', 'pto', 'sick')
    group by 1, 2, 3
    order by 1, 3, 2
    on conflict (tenant_id, monday, employee_id)
    do update set project_days = w.project_days | excluded.project_days, pto_days = w.pto_days | excluded.pto_days,
                  sick_days = w.sick_days | excluded.sick_days;`);
  const clear = sql.raw(`
    update public.crew_assignment_weeks w set project_days = w.project_days & ~c.p, pto_days = w.pto_days & ~c.q, sick_days = w.sick_days & ~c.s
    from (
      select g.tenant_id, g.employee_id, date_trunc('week', g.day)::date as monday,
             bit_or(case when g.kind = 'project' then 1 << (extract(isodow from g.day)::int - 1) else 0 end) as p,
             bit_or(case when g.kind = 'pto' then 1 << (extract(isodow from g.day)::int - 1) else 0 end) as q,
             bit_or(case when g.kind = 'sick' then 1 << (extract(isodow from g.day)::int - 1) else 0 end) as s
      from (select distinct tenant_id, employee_id, day, kind from old_rows where kind in ('project', 'pto', 'sick')) g
      where not exists (
        select 1 from public.crew_assignments a
        where a.tenant_id = g.tenant_id and a.employee_id = g.employee_id and a.day = g.day and a.kind = g.kind)
      group by 1, 2, 3) c
    where w.tenant_id = c.tenant_id and w.employee_id = c.employee_id and w.monday = c.monday;
    delete from public.crew_assignment_weeks w
    using (select distinct tenant_id, employee_id, date_trunc('week', day)::date as monday from old_rows) k
    where w.tenant_id = k.tenant_id and w.employee_id = k.employee_id and w.monday = k.monday
      and w.project_days = 0 and w.pto_days = 0 and w.sick_days = 0;`);
  const bodies = { insert: [add], update: [clear, add], delete: [clear] };
  for (const [op, parts] of Object.entries(bodies)) {
    await run(sql`
      create function ${sql.raw(`app_private.crew_assignment_weeks_${op}`)}() returns trigger
      language plpgsql set search_path = pg_catalog, pg_temp
      as $$
      begin
        ${sql.join(parts, sql.raw("\n"))}
        return null;
      end $$`);
    await run(sql.raw(`revoke all on function app_private.crew_assignment_weeks_${op}() from public`));
  }
  await run(sql`create trigger crew_assignment_weeks_insert after insert on crew_assignments referencing new table as new_rows
    for each statement execute function app_private.crew_assignment_weeks_insert()`);
  await run(sql`create trigger crew_assignment_weeks_update after update on crew_assignments referencing old table as old_rows new table as new_rows
    for each statement execute function app_private.crew_assignment_weeks_update()`);
  await run(sql`create trigger crew_assignment_weeks_delete after delete on crew_assignments referencing old table as old_rows
    for each statement execute function app_private.crew_assignment_weeks_delete()`);

  for (const t of ["crew_requirements", "crew_assignment_weeks"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  }
  // The triggers run as whoever changes the schedule (security invoker: no owner rights needed, the rows' tenant is
  // the caller's), so the app role may write the digest; only the triggers do.
  for (const t of ["crew_requirements", "crew_assignment_weeks"]) {
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }

  // Assignments made before this migration (a development database that ran 0015 alone): one workspace at a time,
  // since row-level security shows the owner only the workspace it names.
  await run(sql`
    do $$
    declare t uuid;
    begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t::text, true);
        insert into crew_assignment_weeks (tenant_id, employee_id, monday, project_days, pto_days, sick_days)
        select tenant_id, employee_id, date_trunc('week', day)::date,
               coalesce(bit_or((1 << (extract(isodow from day)::int - 1))) filter (where kind = 'project'), 0),
               coalesce(bit_or((1 << (extract(isodow from day)::int - 1))) filter (where kind = 'pto'), 0),
               coalesce(bit_or((1 << (extract(isodow from day)::int - 1))) filter (where kind = 'sick'), 0)
        from crew_assignments where kind in ('project', 'pto', 'sick') group by 1, 2, 3;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const op of ["insert", "update", "delete"]) {
    await sql.raw(`drop trigger if exists crew_assignment_weeks_${op} on crew_assignments`).execute(db);
    await sql.raw(`drop function if exists app_private.crew_assignment_weeks_${op}()`).execute(db);
  }
  await sql`drop table if exists crew_assignment_weeks`.execute(db);
  await sql`drop table if exists crew_requirements`.execute(db);
}
