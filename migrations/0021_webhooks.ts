import { sql, type Kysely } from "kysely";

// Issue 9, item 6: outbound webhooks. Frozen in time: never import src/.
//
// Events are derived from the audit trail by a trigger, in the transaction of the change itself: every CRM
// mutation already writes an audit row, so no mutation path can forget its webhook, and a rolled-back change
// leaves neither event nor job. A workspace without an active subscription pays one indexed lookup per audit row.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table webhook_subscriptions (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      url text not null check (length(url) between 10 and 2000 and url ~ '^https?://'),
      description text check (length(description) between 1 and 200),
      events text[] not null check (cardinality(events) between 1 and 30),
      -- Needed in clear to sign each delivery; never exported, audited or shown after creation/rotation.
      secret text not null check (length(secret) between 32 and 200),
      active boolean not null default true,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index webhook_subscriptions_active on webhook_subscriptions (tenant_id) where active`);

  // One row per event that at least one subscription wanted. The payload (ids, changed field names, and values
  // of non-personal columns only) is built from the audit row by the first delivery, against the data map.
  await run(sql`
    create table webhook_events (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      audit_event_id uuid not null,
      type text not null check (type ~ '^[a-z_]+\\.[a-z_]+$'),
      record_type text not null,
      record_id uuid not null,
      occurred_at timestamptz not null,
      payload jsonb,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index webhook_events_record on webhook_events (tenant_id, record_id)`);

  // One row per (event, subscription): the delivery log.
  await run(sql`
    create table webhook_deliveries (
      tenant_id uuid not null,
      id uuid not null,
      subscription_id uuid not null,
      event_id uuid not null,
      status text not null default 'pending' check (status in ('pending', 'retrying', 'succeeded', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      -- attempts counted when last re-sent by hand: the retry budget starts again from there.
      resent_at_attempt integer not null default 0 check (resent_at_attempt >= 0),
      next_attempt_at timestamptz,
      last_attempt_at timestamptz,
      response_code integer check (response_code between 100 and 599),
      response_excerpt text check (length(response_excerpt) <= 500),
      error text check (length(error) <= 500),
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, subscription_id) references webhook_subscriptions (tenant_id, id) on delete cascade,
      foreign key (tenant_id, event_id) references webhook_events (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index webhook_deliveries_log on webhook_deliveries (tenant_id, subscription_id, id desc)`);
  await run(sql`create index webhook_deliveries_event on webhook_deliveries (tenant_id, event_id)`);

  for (const table of ["webhook_subscriptions", "webhook_events", "webhook_deliveries"]) {
    await run(sql`alter table ${sql.table(table)} enable row level security`);
    await run(sql`alter table ${sql.table(table)} force row level security`);
    await run(sql`create policy tenant_rows on ${sql.table(table)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
  }
  await run(sql`grant select, insert, update, delete on webhook_subscriptions to steward_app`);
  await run(sql`grant select, update (payload) on webhook_events to steward_app`);
  await run(sql`grant select, update (status, attempts, resent_at_attempt, next_attempt_at, last_attempt_at, response_code, response_excerpt, error) on webhook_deliveries to steward_app`);

  // Audit action → webhook event types. Anything else (notes, imports, exports…) is not a record event.
  await run(sql`
    create function app_private.webhook_fanout() returns trigger language plpgsql security definer
    set search_path = pg_catalog, pg_temp
    as $$
    declare
      kind text := split_part(new.action, '.', 1);
      verb text := split_part(new.action, '.', 2);
      types text[];
      t text;
      ev uuid;
      d uuid;
      sub record;
    begin
      -- A record id that is not a uuid is no CRM record: never let a webhook break the change being audited.
      if new.target_id !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
         or not exists (select from public.webhook_subscriptions s where s.tenant_id = new.tenant_id and s.active) then
        return null;
      end if;
      if new.action = 'message.received' then
        types := array['message.received'];
      elsif kind = new.target_type then
        types := case
          when verb in ('created', 'deleted') then array[new.action]
          when verb = 'moved' then array['deal.stage_changed']
          when kind = 'deal' and verb = 'updated' and new.changes ? 'stage_id' then array['deal.updated', 'deal.stage_changed']
          when verb in ('updated', 'merged', 'converted', 'won', 'lost', 'reopened') then array[kind || '.updated']
        end;
      end if;
      if types is null then
        return null;
      end if;
      foreach t in array types loop
        ev := null;
        for sub in select s.id from public.webhook_subscriptions s
            where s.tenant_id = new.tenant_id and s.active and t = any (s.events) order by s.id loop
          if ev is null then
            ev := uuidv7();
            insert into public.webhook_events (tenant_id, id, audit_event_id, type, record_type, record_id, occurred_at)
              values (new.tenant_id, ev, new.id, t, new.target_type, new.target_id::uuid, new.created_at);
          end if;
          d := uuidv7();
          insert into public.webhook_deliveries (tenant_id, id, subscription_id, event_id, next_attempt_at, created_at)
            values (new.tenant_id, d, sub.id, ev, new.created_at, new.created_at);
          perform graphile_worker.add_job('webhook-deliver',
            json_build_object('tenantId', new.tenant_id, 'deliveryId', d), job_key => 'webhook-delivery:' || d::text);
        end loop;
      end loop;
      return null;
    end $$`);
  await run(sql`
    create trigger webhook_fanout after insert on audit_events for each row
    when (new.tenant_id is not null and new.target_type in ('company', 'contact', 'lead', 'deal'))
    execute function app_private.webhook_fanout()`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists webhook_fanout on audit_events`.execute(db);
  await sql`drop function if exists app_private.webhook_fanout()`.execute(db);
  await sql`drop table if exists webhook_deliveries, webhook_events, webhook_subscriptions`.execute(db);
}
