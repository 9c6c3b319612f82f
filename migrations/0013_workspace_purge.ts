import { sql, type Kysely } from "kysely";

// The workspace purge (P16, P17): its progress record, and what the retention page reads of the worker's cron
// bookkeeping. Frozen in time: never import src/.
//
// The record names the workspace in `workspace_id`, not `tenant_id`, on purpose: after a purge no table with a
// tenant_id column holds a row of that workspace (a catalogue scan proves it), while the record of the purge, which
// outlives the workspace, holds only its id, dates and counts. No foreign key: the tenant row goes.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table workspace_purges (
      workspace_id uuid primary key,
      reason text not null check (reason in ('cancelled', 'lapsed')),
      started_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz,
      current_table text check (current_table ~ '^[a-z_][a-z0-9_]{0,62}$'),
      rows_deleted bigint not null default 0,
      counts jsonb not null default '{}' check (jsonb_typeof(counts) = 'object')
    )`);
  // Each batch runs as the app role with the workspace pinned, and moves the record in the same transaction; the
  // app role sees only the pinned workspace's record. The owner (the final step, the retention page) sees all.
  await run(sql`alter table workspace_purges enable row level security`);
  await run(sql`alter table workspace_purges force row level security`);
  await run(sql`create policy tenant_isolation on workspace_purges using (workspace_id = app_private.current_tenant()) with check (workspace_id = app_private.current_tenant())`);
  await run(sql`create policy owner_maintains on workspace_purges to steward_owner using (true) with check (true)`);
  await run(sql`grant select, insert, update on workspace_purges to steward_app`);

  // The retention page shows when each scheduled job last ran: graphile-worker keeps that per cron identifier in
  // its private schema, which the app role cannot read. Task names and times only.
  await run(sql`
    create function app_private.cron_last_runs()
    returns table (task text, last_execution timestamptz)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select k.identifier, k.last_execution from graphile_worker._private_known_crontabs k $$`);
  await run(sql`revoke all on function app_private.cron_last_runs() from public`);
  await run(sql`grant execute on function app_private.cron_last_runs() to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists app_private.cron_last_runs()`.execute(db);
  await sql`drop table if exists workspace_purges`.execute(db);
}
