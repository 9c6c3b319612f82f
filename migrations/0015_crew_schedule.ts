import { sql, type Kysely } from "kysely";

// Crews, issue 7, items 2 and 7: the weekly schedule (who works where, each day), the week each user last looked
// at, and the record of each week's schedule emails. Frozen in time: never import src/.
//
// An assignment is one employee, one day, and either a project (kind 'project', with optional hours and start
// time) or a status (pto, sick, training, off). Two project rows for one person on one day is a double booking:
// allowed, because it happens, and flagged on the page. The same project twice on a day is not allowed, and
// neither are two statuses (project_id is null for every status, and nulls are not distinct in that key).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table crew_assignments (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      employee_id uuid not null,
      day date not null,
      kind text not null check (kind in ('project', 'pto', 'sick', 'training', 'off')),
      project_id uuid,
      hours numeric check (hours > 0 and hours <= 24),
      start_time time,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      check ((kind = 'project') = (project_id is not null)),
      foreign key (tenant_id, employee_id) references crew_employees (tenant_id, id) on delete cascade,
      foreign key (tenant_id, project_id) references crew_projects (tenant_id, id) on delete cascade,
      unique nulls not distinct (tenant_id, employee_id, day, project_id)
    )`);
  await run(sql`create index crew_assignments_day on crew_assignments (tenant_id, day, employee_id)`);
  await run(sql`create index crew_assignments_project on crew_assignments (tenant_id, project_id, day) where project_id is not null`);

  await run(sql`
    create table crew_schedule_prefs (
      tenant_id uuid not null references tenants (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      last_week text check (last_week ~ '^[0-9]{4}-W[0-9]{2}$'),
      -- The project this user last put someone on: the keyboard's "repeat" key picks it.
      last_project_id uuid,
      updated_at timestamptz not null,
      primary key (tenant_id, user_id),
      foreign key (tenant_id, last_project_id) references crew_projects (tenant_id, id) on delete set null (last_project_id)
    )`);

  // One row per week whose schedule went out (by the weekly run or "send now"): the weekly run skips a week that
  // has one, and the page shows when it went and who had no email address.
  await run(sql`
    create table crew_distributions (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      week text not null check (week ~ '^[0-9]{4}-W[0-9]{2}$'),
      trigger text not null check (trigger in ('schedule', 'manual')),
      triggered_by uuid references users (id) on delete set null,
      status text not null default 'queued' check (status in ('queued', 'done')),
      emailed_count integer not null default 0 check (emailed_count >= 0),
      -- Employees on the week's schedule who have no email address: ids only, named on the page.
      unreachable_ids uuid[] not null default '{}',
      created_at timestamptz not null,
      sent_at timestamptz,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index crew_distributions_week on crew_distributions (tenant_id, week, created_at desc)`);

  for (const t of ["crew_assignments", "crew_schedule_prefs", "crew_distributions"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
  // The weekly distribution run (the owner role) finds the workspaces with people on the schedule soon; each
  // one's settings and emails are then read and written as the app role, pinned to that workspace.
  await run(sql`create policy owner_reads on crew_assignments for select to steward_owner using (true)`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["crew_distributions", "crew_schedule_prefs", "crew_assignments"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
