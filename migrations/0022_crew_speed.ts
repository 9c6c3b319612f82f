import { sql, type Kysely } from "kysely";

// Crews, issue 7 item 10 (scale): a per-week, per-trade summary of the schedule digest for the projection page.
// Frozen in time: never import src/.
//
// Counting the digest (crew_assignment_weeks, one row per person and ISO week) joined to the employees took 6 ms
// for 26 weeks and 11 ms for 52 with the large seed (13,000–26,000 rows), which alone kept the page off its goal
// at 16 sessions on 2 cores. crew_trade_weeks holds, per ISO week (its Monday) and trade as spelled on the
// employees, the two counts the projections need:
//   scheduled = employees with at least one project day that week,
//   away      = active employees on PTO every working day (Monday to Friday) that week.
// It is exact, not a cache: every change is applied as a difference (+1 / −1 per person and week), which commutes,
// so concurrent writers never lose each other's counts the way a recomputation from two snapshots would:
// - digest rows added, changed or removed (assign, clear, copy a week, a cascade): the old rows' contributions are
//   taken off and the new rows' put on, with each person's current trade and active flag. The people are locked
//   FOR SHARE first, so an edit of someone's trade waits for (or is waited on by) a schedule change of theirs;
// - an employee's trade or active flag changes: their weeks move from the old figures to the new ones;
// - an employee is deleted: their digest rows are deleted first (before the row goes, while their trade is still
//   known), which takes them off through the first rule; the cascades then find nothing left to change.
// ISO weeks only: a workspace whose week starts on another day reads the digest directly (projections.ts).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table crew_trade_weeks (
      tenant_id uuid not null references tenants (id) on delete cascade,
      monday date not null check (extract(isodow from monday) = 1),
      trade text not null,
      -- No check (>= 0): Postgres checks the proposed row of an upsert, here a negative difference, before it
      -- finds the conflict. The tests compare these counts with a count from scratch instead.
      scheduled integer not null,
      away integer not null,
      primary key (tenant_id, monday, trade)
    )`);
  await run(sql`alter table crew_trade_weeks enable row level security`);
  await run(sql`alter table crew_trade_weeks force row level security`);
  await run(sql`create policy tenant_isolation on crew_trade_weeks using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  // Written only by the triggers below, which run as whoever changes the schedule (as in 0016).
  await run(sql`grant select, insert, update, delete on crew_trade_weeks to steward_app`);

  // Adds signed contributions (tenant_id, monday, trade, scheduled, away) from the query `deltas`, then drops rows
  // that reached zero. Sorted so that concurrent writers take row locks in one order.
  const apply = (deltas: string) => `
    insert into public.crew_trade_weeks as s (tenant_id, monday, trade, scheduled, away)
    select tenant_id, monday, trade, sum(scheduled), sum(away) from (${deltas}) d
    group by 1, 2, 3
    having sum(scheduled) <> 0 or sum(away) <> 0
    order by 1, 2, 3
    on conflict (tenant_id, monday, trade)
    do update set scheduled = s.scheduled + excluded.scheduled, away = s.away + excluded.away;
    delete from public.crew_trade_weeks s where s.scheduled = 0 and s.away = 0;`;
  // One digest row's contribution, with sign g, for the employee e.
  const part = (rows: string, g: string) => `
    select w.tenant_id, w.monday, e.trade,
           ${g} * (w.project_days <> 0)::int as scheduled,
           ${g} * (e.active and w.pto_days & 31 = 31)::int as away
    from ${rows} w join e on e.tenant_id = w.tenant_id and e.id = w.employee_id`;
  const people = (rows: string[]) => `
    with e as materialized (
      select tenant_id, id, trade, active from public.crew_employees
      where (tenant_id, id) in (${rows.map((r) => `select tenant_id, employee_id from ${r}`).join(" union ")})
      order by tenant_id, id
      for share)`;
  const digest = {
    insert: `${people(["new_rows"])} ${apply(part("new_rows", "1"))}`,
    update: `${people(["old_rows", "new_rows"])} ${apply(`${part("old_rows", "-1")} union all ${part("new_rows", "1")}`)}`,
    delete: `${people(["old_rows"])} ${apply(part("old_rows", "-1"))}`,
  };
  for (const [op, body] of Object.entries(digest)) {
    // apply() is two statements; the CTE belongs to the first only.
    await run(sql`
      create function ${sql.raw(`app_private.crew_trade_weeks_${op}`)}() returns trigger
      language plpgsql set search_path = pg_catalog, pg_temp
      as $$
      begin
        ${sql.raw(body)}
        return null;
      end $$`);
    await run(sql.raw(`revoke all on function app_private.crew_trade_weeks_${op}() from public`));
    const transition = op === "insert" ? "new table as new_rows" : op === "delete" ? "old table as old_rows" : "old table as old_rows new table as new_rows";
    await run(sql.raw(`create trigger crew_trade_weeks_${op} after ${op} on public.crew_assignment_weeks referencing ${transition}
      for each statement execute function app_private.crew_trade_weeks_${op}()`));
  }

  // A person's trade or active flag changed: their weeks move from the old figures to the new ones.
  await run(sql`
    create function app_private.crew_trade_weeks_employee() returns trigger
    language plpgsql set search_path = pg_catalog, pg_temp
    as $$
    begin
      insert into public.crew_trade_weeks as s (tenant_id, monday, trade, scheduled, away)
      select tenant_id, monday, trade, sum(scheduled), sum(away) from (
        select w.tenant_id, w.monday, old.trade, -(w.project_days <> 0)::int as scheduled, -(old.active and w.pto_days & 31 = 31)::int as away
        from public.crew_assignment_weeks w where w.tenant_id = old.tenant_id and w.employee_id = old.id
        union all
        select w.tenant_id, w.monday, new.trade, (w.project_days <> 0)::int, (new.active and w.pto_days & 31 = 31)::int
        from public.crew_assignment_weeks w where w.tenant_id = new.tenant_id and w.employee_id = new.id) d
      group by 1, 2, 3
      having sum(scheduled) <> 0 or sum(away) <> 0
      order by 1, 2, 3
      on conflict (tenant_id, monday, trade)
      do update set scheduled = s.scheduled + excluded.scheduled, away = s.away + excluded.away;
      delete from public.crew_trade_weeks s where s.tenant_id = new.tenant_id and s.scheduled = 0 and s.away = 0;
      return null;
    end $$`);
  await run(sql`revoke all on function app_private.crew_trade_weeks_employee() from public`);
  await run(sql`create trigger crew_trade_weeks_employee after update of trade, active on crew_employees
    for each row when (old.trade is distinct from new.trade or old.active is distinct from new.active)
    execute function app_private.crew_trade_weeks_employee()`);

  // A person about to be deleted: their digest rows go first, while their trade is still there to subtract from.
  await run(sql`
    create function app_private.crew_trade_weeks_employee_gone() returns trigger
    language plpgsql set search_path = pg_catalog, pg_temp
    as $$
    begin
      delete from public.crew_assignment_weeks w where w.tenant_id = old.tenant_id and w.employee_id = old.id;
      return old;
    end $$`);
  await run(sql`revoke all on function app_private.crew_trade_weeks_employee_gone() from public`);
  await run(sql`create trigger crew_trade_weeks_employee_gone before delete on crew_employees
    for each row execute function app_private.crew_trade_weeks_employee_gone()`);

  // The schedule so far, one workspace at a time (row-level security shows the owner only the workspace it names).
  await run(sql`
    do $$
    declare t uuid;
    begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t::text, true);
        insert into crew_trade_weeks (tenant_id, monday, trade, scheduled, away)
        select w.tenant_id, w.monday, e.trade,
               count(*) filter (where w.project_days <> 0), count(*) filter (where e.active and w.pto_days & 31 = 31)
        from crew_assignment_weeks w join crew_employees e on e.tenant_id = w.tenant_id and e.id = w.employee_id
        group by 1, 2, 3
        having count(*) filter (where w.project_days <> 0) > 0 or count(*) filter (where e.active and w.pto_days & 31 = 31) > 0;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const op of ["insert", "update", "delete"]) {
    await sql.raw(`drop trigger if exists crew_trade_weeks_${op} on crew_assignment_weeks`).execute(db);
    await sql.raw(`drop function if exists app_private.crew_trade_weeks_${op}()`).execute(db);
  }
  await sql`drop trigger if exists crew_trade_weeks_employee on crew_employees`.execute(db);
  await sql`drop trigger if exists crew_trade_weeks_employee_gone on crew_employees`.execute(db);
  await sql`drop function if exists app_private.crew_trade_weeks_employee()`.execute(db);
  await sql`drop function if exists app_private.crew_trade_weeks_employee_gone()`.execute(db);
  await sql`drop table if exists crew_trade_weeks`.execute(db);
}
