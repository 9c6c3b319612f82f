import { sql, type Kysely } from "kysely";

// Workspace lifecycle (P16, P17) and billing (P20), issue 6 item 6. Frozen in time: never import src/.
//
// A workspace is active, cancelled by an owner, suspended because its subscription lapsed, or being purged.
// Cancelled and suspended workspaces are read-only until purge_after (30 days on), when the daily
// workspace-lifecycle job hands them to the purge.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`alter table tenants add column status text not null default 'active'
    check (status in ('active', 'cancelled', 'suspended', 'purging'))`);
  await run(sql`alter table tenants add column cancelled_at timestamptz`);
  await run(sql`alter table tenants add column suspended_at timestamptz`);
  await run(sql`alter table tenants add column purge_after timestamptz`);
  // A read-only workspace always has its deadline; an active one never has one.
  await run(sql`alter table tenants add constraint tenants_lifecycle_dates check (
    (status = 'active' and purge_after is null)
    or (status = 'cancelled' and cancelled_at is not null and purge_after is not null)
    or (status = 'suspended' and suspended_at is not null and purge_after is not null)
    or status = 'purging')`);
  // The daily job looks only at the few workspaces waiting for their deadline.
  await run(sql`create index tenants_purge_due on tenants (purge_after) where status in ('cancelled', 'suspended')`);

  // P20: the processor's customer id, the card's last four digits and the subscription's state. Nothing else about
  // payment has a column here, on purpose.
  await run(sql`
    create table billing_accounts (
      tenant_id uuid primary key references tenants (id) on delete cascade,
      customer_id text not null unique check (length(customer_id) between 1 and 255),
      card_last4 text check (card_last4 ~ '^[0-9]{4}$'),
      status text not null check (status in ('active', 'past_due', 'lapsed', 'cancelled')),
      period_end timestamptz,
      status_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  // Webhook deliveries already applied, so a retried or replayed event changes nothing. Ids only.
  await run(sql`
    create table billing_events (
      tenant_id uuid not null references tenants (id) on delete cascade,
      event_id text not null check (length(event_id) between 1 and 255),
      received_at timestamptz not null,
      primary key (tenant_id, event_id)
    )`);
  for (const t of ["billing_accounts", "billing_events"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
  // The lookup below runs as the owner and must see every account to find the one a webhook names.
  await run(sql`create policy owner_reads on billing_accounts for select to steward_owner using (true)`);

  // The webhook names a customer, not a workspace: which workspace is it (null: none). Nothing else is revealed.
  await run(sql`
    create function app_private.billing_customer_workspace(p_customer text)
    returns uuid
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select b.tenant_id from public.billing_accounts b where b.customer_id = p_customer $$`);
  await run(sql`revoke all on function app_private.billing_customer_workspace(text) from public`);
  await run(sql`grant execute on function app_private.billing_customer_workspace(text) to steward_app`);

  // The tenant middleware's one query now also says whether the workspace is read-only and until when. Its
  // arguments are unchanged; the result gains columns, which `create or replace` cannot do, hence drop and create
  // (in this migration's transaction: no request sees it missing).
  await run(sql`drop function app_private.membership_by_slug(uuid, text)`);
  await run(sql`
    create function app_private.membership_by_slug(p_user uuid, p_slug text)
    returns table (tenant_id uuid, name text, slug text, role text, status text, cancelled_at timestamptz, suspended_at timestamptz, purge_after timestamptz)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select t.id, t.name, t.slug, m.role, t.status, t.cancelled_at, t.suspended_at, t.purge_after from public.tenants t
      join public.memberships m on m.tenant_id = t.id and m.user_id = p_user
      where t.slug = p_slug
    $$`);
  await run(sql`revoke all on function app_private.membership_by_slug(uuid, text) from public`);
  await run(sql`grant execute on function app_private.membership_by_slug(uuid, text) to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  await run(sql`drop function if exists app_private.billing_customer_workspace(text)`);
  await run(sql`drop table if exists billing_events`);
  await run(sql`drop table if exists billing_accounts`);
  await run(sql`drop function app_private.membership_by_slug(uuid, text)`);
  await run(sql`
    create function app_private.membership_by_slug(p_user uuid, p_slug text)
    returns table (tenant_id uuid, name text, slug text, role text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$
      select t.id, t.name, t.slug, m.role from public.tenants t
      join public.memberships m on m.tenant_id = t.id and m.user_id = p_user
      where t.slug = p_slug
    $$`);
  await run(sql`revoke all on function app_private.membership_by_slug(uuid, text) from public`);
  await run(sql`grant execute on function app_private.membership_by_slug(uuid, text) to steward_app`);
  await run(sql`drop index if exists tenants_purge_due`);
  await run(sql`alter table tenants drop constraint if exists tenants_lifecycle_dates`);
  for (const c of ["purge_after", "suspended_at", "cancelled_at", "status"]) await run(sql`alter table tenants drop column if exists ${sql.ref(c)}`);
}
