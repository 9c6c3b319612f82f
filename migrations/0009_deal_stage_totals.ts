import { sql, type Kysely } from "kysely";

// Running totals of open deals per pipeline stage and currency, for the board's column headers (issue 4, item 11).
// Summing a big pipeline on every board view cost 12 ms at 37,000 open deals; a maintained row costs a few
// microseconds per change. Frozen in time: never import src/.
//
// Statement-level triggers with transition tables fold a whole statement (a bulk delete, a seed, a merge) into one
// delta per stage and currency, applied in key order, so two concurrent bulk changes lock the same totals rows in
// the same order instead of deadlocking. The function is a security definer so that the owner role's maintenance
// (tenant purges) keeps the totals right as well as the app role does; it only ever writes rows whose tenant comes
// from the deals the caller was allowed to change.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table deal_stage_totals (
      tenant_id uuid not null references tenants (id) on delete cascade,
      pipeline_id uuid not null,
      stage_id uuid not null,
      currency char(3) not null,
      deals integer not null default 0,
      amount_minor numeric not null default 0,
      primary key (tenant_id, pipeline_id, stage_id, currency)
    )`);

  // Transition tables allow one event per trigger, and a function may only name the transition tables its trigger
  // declares, hence one function per event.

  for (const [op, body] of [
    ["insert", sql`select tenant_id, pipeline_id, stage_id, currency, 1 as n, amount_minor::numeric as minor from new_rows where status = 'open'`],
    [
      "update",
      sql`select tenant_id, pipeline_id, stage_id, currency, 1 as n, amount_minor::numeric as minor from new_rows where status = 'open'
          union all
          select tenant_id, pipeline_id, stage_id, currency, -1, -amount_minor::numeric from old_rows where status = 'open'`,
    ],
  ] as const) {
    await run(sql`
      create function ${sql.raw(`app_private.deal_stage_totals_${op}`)}() returns trigger
      language plpgsql security definer set search_path = pg_catalog, pg_temp
      as $$
      begin
        insert into public.deal_stage_totals as t (tenant_id, pipeline_id, stage_id, currency, deals, amount_minor)
        select tenant_id, pipeline_id, stage_id, currency, sum(n), sum(minor) from (${body}) d
        group by 1, 2, 3, 4
        having sum(n) <> 0 or sum(minor) <> 0
        order by 1, 2, 3, 4
        on conflict (tenant_id, pipeline_id, stage_id, currency)
        do update set deals = t.deals + excluded.deals, amount_minor = t.amount_minor + excluded.amount_minor;
        return null;
      end $$`);
  }
  await run(sql`
    create function app_private.deal_stage_totals_delete() returns trigger
    language plpgsql security definer set search_path = pg_catalog, pg_temp
    as $$
    begin
      -- Only subtracts from rows that exist: a cascade from a deleted workspace may have removed them first.
      update public.deal_stage_totals t set deals = t.deals - d.n, amount_minor = t.amount_minor - d.minor
      from (select tenant_id, pipeline_id, stage_id, currency, count(*) as n, sum(amount_minor) as minor
            from old_rows where status = 'open' group by 1, 2, 3, 4 order by 1, 2, 3, 4) d
      where t.tenant_id = d.tenant_id and t.pipeline_id = d.pipeline_id and t.stage_id = d.stage_id and t.currency = d.currency;
      return null;
    end $$`);
  for (const op of ["insert", "update", "delete"]) {
    await run(sql.raw(`revoke all on function app_private.deal_stage_totals_${op}() from public`));
  }
  await run(sql`create trigger deal_stage_totals_insert after insert on deals referencing new table as new_rows
    for each statement execute function app_private.deal_stage_totals_insert()`);
  await run(sql`create trigger deal_stage_totals_update after update on deals referencing old table as old_rows new table as new_rows
    for each statement execute function app_private.deal_stage_totals_update()`);
  await run(sql`create trigger deal_stage_totals_delete after delete on deals referencing old table as old_rows
    for each statement execute function app_private.deal_stage_totals_delete()`);

  // Existing deals, before row-level security closes the table to the owner's bulk insert.
  await run(sql`
    insert into deal_stage_totals (tenant_id, pipeline_id, stage_id, currency, deals, amount_minor)
    select tenant_id, pipeline_id, stage_id, currency, count(*), sum(amount_minor) from deals where status = 'open' group by 1, 2, 3, 4`);

  await run(sql`alter table deal_stage_totals enable row level security`);
  await run(sql`alter table deal_stage_totals force row level security`);
  await run(sql`create policy tenant_isolation on deal_stage_totals using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  // The trigger functions run as the owner, for every workspace whose deals change.
  await run(sql`create policy owner_maintains on deal_stage_totals to steward_owner using (true) with check (true)`);
  // Read-only for the app: only the triggers write it.
  await run(sql`grant select on deal_stage_totals to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const op of ["insert", "update", "delete"]) {
    await sql.raw(`drop trigger if exists deal_stage_totals_${op} on deals`).execute(db);
    await sql.raw(`drop function if exists app_private.deal_stage_totals_${op}()`).execute(db);
  }
  await sql`drop table if exists deal_stage_totals`.execute(db);
}
