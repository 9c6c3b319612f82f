import { sql, type Kysely } from "kysely";

// Communications, issue 8, items 1–5: one log of email, SMS, WhatsApp and RCS messages on CRM records, the
// workspace's sending settings, message templates, opt-outs, and the inbox of raw provider webhook deliveries.
// Frozen in time: never import src/.
//
// Status is one ordered scale (queued < sent < delivered < read; failed and undelivered final): the rank is a
// generated column so an update can say "only forwards" in SQL (src/domain/messaging/status.ts).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);
  const subjects = sql`
      contact_id uuid,
      lead_id uuid,
      deal_id uuid,
      company_id uuid`;
  const subjectKeys = (t: string) => sql.raw(`
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
      foreign key (tenant_id, lead_id) references leads (tenant_id, id) on delete cascade,
      foreign key (tenant_id, deal_id) references deals (tenant_id, id) on delete cascade,
      foreign key (tenant_id, company_id) references companies (tenant_id, id) on delete cascade,
      constraint ${t}_one_subject check (num_nonnulls(contact_id, lead_id, deal_id, company_id) <= 1)`);

  // Rows that only mention a person keep existing when the record goes (an opt-out must outlive a merge).
  const personKeys = sql.raw(`
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete set null (contact_id),
      foreign key (tenant_id, lead_id) references leads (tenant_id, id) on delete set null (lead_id)`);

  // Secrets are kept so sends can use them; pages show only their last characters (never the whole value again).
  await run(sql`
    create table messaging_settings (
      tenant_id uuid primary key references tenants (id) on delete cascade,
      hook_token text not null unique check (hook_token ~ '^[A-Za-z0-9_-]{20,64}$'),
      log_token text not null unique check (log_token ~ '^[a-z0-9]{12,40}$'),
      email_from text check (length(email_from) between 3 and 320),
      smtp_host text check (length(smtp_host) between 1 and 255),
      smtp_port integer check (smtp_port between 1 and 65535),
      smtp_secure boolean not null default false,
      smtp_user text check (length(smtp_user) between 1 and 320),
      smtp_password text check (length(smtp_password) between 1 and 500),
      twilio_base_url text check (length(twilio_base_url) between 8 and 300),
      twilio_account_sid text check (twilio_account_sid ~ '^[A-Za-z0-9]{2,64}$'),
      twilio_auth_token text check (length(twilio_auth_token) between 8 and 200),
      twilio_sms_from text check (length(twilio_sms_from) between 2 and 64),
      twilio_whatsapp_from text check (length(twilio_whatsapp_from) between 2 and 64),
      twilio_rcs_from text check (length(twilio_rcs_from) between 2 and 100),
      whatsapp_provider text not null default 'twilio' check (whatsapp_provider in ('twilio', 'cloud')),
      whatsapp_base_url text check (length(whatsapp_base_url) between 8 and 300),
      whatsapp_api_version text check (whatsapp_api_version ~ '^v[0-9]{1,3}\\.[0-9]{1,3}$'),
      whatsapp_phone_number_id text check (whatsapp_phone_number_id ~ '^[0-9]{1,32}$'),
      whatsapp_access_token text check (length(whatsapp_access_token) between 8 and 1000),
      whatsapp_app_secret text check (length(whatsapp_app_secret) between 8 and 200),
      updated_at timestamptz not null
    )`);

  await run(sql`
    create table message_templates (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      channel text not null check (channel in ('email', 'text')),
      subject text check (length(subject) between 1 and 300),
      body text not null check (length(body) between 1 and 10000),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index message_templates_name on message_templates (tenant_id, name, id)`);

  // A thread: one record, one channel, one address on the other side.
  await run(sql`
    create table message_threads (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      channel text not null check (channel in ('email', 'sms', 'whatsapp', 'rcs')),
      counterpart text not null check (length(counterpart) between 1 and 320),
      subject text check (length(subject) <= 300),
      ${subjects},
      last_message_at timestamptz not null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      ${subjectKeys("message_threads")}
    )`);
  await run(sql`create index message_threads_contact on message_threads (tenant_id, contact_id, channel, counterpart) where contact_id is not null`);
  await run(sql`create index message_threads_lead on message_threads (tenant_id, lead_id, channel, counterpart) where lead_id is not null`);
  await run(sql`create index message_threads_deal on message_threads (tenant_id, deal_id) where deal_id is not null`);

  await run(sql`
    create table messages (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      thread_id uuid not null,
      ${subjects},
      direction text not null check (direction in ('in', 'out')),
      channel text not null check (channel in ('email', 'sms', 'whatsapp', 'rcs')),
      from_address text not null check (length(from_address) between 1 and 320),
      to_address text not null check (length(to_address) between 1 and 320),
      subject text check (length(subject) <= 300),
      body text not null check (length(body) <= 100000),
      provider text check (provider in ('smtp', 'twilio', 'whatsapp_cloud', 'inbound_smtp')),
      provider_message_id text check (length(provider_message_id) between 1 and 300),
      status text not null check (status in ('queued', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'received')),
      status_rank smallint generated always as (case status when 'queued' then 0 when 'sent' then 1 when 'delivered' then 2
        when 'read' then 3 when 'received' then 3 else 9 end) stored,
      error text check (length(error) <= 500),
      sent_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, thread_id) references message_threads (tenant_id, id) on delete cascade,
      ${subjectKeys("messages")}
    )`);
  await run(sql`create unique index messages_provider_id on messages (tenant_id, provider, provider_message_id) where provider_message_id is not null`);
  await run(sql`create index messages_thread on messages (tenant_id, thread_id, created_at, id)`);
  // The record timeline reads newest first per record.
  for (const col of ["contact_id", "lead_id", "deal_id", "company_id"]) {
    await run(sql`create index ${sql.raw(`messages_${col.replace("_id", "")}`)} on messages (tenant_id, ${sql.ref(col)}, created_at desc, id desc) where ${sql.ref(col)} is not null`);
  }

  // Append-only: the app role may add events, never change or remove one.
  await run(sql`
    create table message_events (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      message_id uuid not null,
      status text not null check (status in ('queued', 'sent', 'delivered', 'read', 'failed', 'undelivered', 'received', 'retrying', 'fallback', 'ignored')),
      detail text check (length(detail) <= 500),
      source text not null check (source in ('app', 'job', 'webhook', 'smtp')),
      occurred_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index message_events_message on message_events (tenant_id, message_id, id)`);

  await run(sql`
    create table message_attachments (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      message_id uuid not null,
      contact_id uuid,
      lead_id uuid,
      filename text not null check (length(filename) between 1 and 255),
      content_type text not null check (length(content_type) between 1 and 200),
      size_bytes integer not null check (size_bytes >= 0),
      content bytea not null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, message_id) references messages (tenant_id, id) on delete cascade,
      ${personKeys}
    )`);
  await run(sql`create index message_attachments_message on message_attachments (tenant_id, message_id)`);

  // Who said STOP (or the channel's opt-out) on which channel; addresses are normalised (digits with +, lower-case).
  await run(sql`
    create table message_opt_outs (
      tenant_id uuid not null references tenants (id) on delete cascade,
      channel text not null check (channel in ('email', 'sms', 'whatsapp', 'rcs')),
      address text not null check (length(address) between 1 and 320),
      contact_id uuid,
      lead_id uuid,
      keyword text check (length(keyword) <= 40),
      created_at timestamptz not null,
      primary key (tenant_id, channel, address),
      ${personKeys}
    )`);

  // Raw webhook deliveries, stored before anything is parsed, then processed by a job. dedupe_key makes a
  // provider's retry of the same delivery a no-op.
  await run(sql`
    create table message_inbox (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      provider text not null check (provider in ('twilio', 'whatsapp_cloud')),
      dedupe_key text not null check (length(dedupe_key) between 1 and 300),
      content_type text check (length(content_type) <= 200),
      raw_body text not null check (length(raw_body) <= 262144),
      contact_id uuid,
      lead_id uuid,
      received_at timestamptz not null,
      processed_at timestamptz,
      outcome text check (length(outcome) <= 300),
      primary key (tenant_id, id),
      unique (tenant_id, provider, dedupe_key),
      ${personKeys}
    )`);
  await run(sql`create index message_inbox_received on message_inbox (tenant_id, received_at)`);

  const tables = ["messaging_settings", "message_templates", "message_threads", "messages", "message_events", "message_attachments", "message_opt_outs", "message_inbox"];
  for (const t of tables) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    const grants = t === "message_events" ? "select, insert" : "select, insert, update, delete";
    await run(sql`grant ${sql.raw(grants)} on ${sql.table(t)} to steward_app`);
  }

  // The owner reads the settings across workspaces only through the two narrow lookups below (FORCE row-level
  // security applies to the owner too).
  await run(sql`create policy owner_reads on messaging_settings for select to steward_owner using (true)`);

  // A provider's webhook and the logging mailbox name a workspace by a random token before the workspace is known:
  // the workspace id and the one secret that verifies the delivery, nothing else.
  await run(sql`
    create function app_private.messaging_hook(p_token text)
    returns table (tenant_id uuid, twilio_auth_token text, whatsapp_app_secret text)
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select s.tenant_id, s.twilio_auth_token, s.whatsapp_app_secret from public.messaging_settings s where s.hook_token = p_token $$`);
  await run(sql`
    create function app_private.messaging_log_workspace(p_token text)
    returns uuid
    language sql stable security definer set search_path = pg_catalog, pg_temp
    as $$ select s.tenant_id from public.messaging_settings s where s.log_token = p_token $$`);
  for (const f of ["app_private.messaging_hook(text)", "app_private.messaging_log_workspace(text)"]) {
    await run(sql`revoke all on function ${sql.raw(f)} from public`);
    await run(sql`grant execute on function ${sql.raw(f)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function if exists app_private.messaging_hook(text)`.execute(db);
  await sql`drop function if exists app_private.messaging_log_workspace(text)`.execute(db);
  for (const t of ["message_inbox", "message_opt_outs", "message_attachments", "message_events", "messages", "message_threads", "message_templates", "messaging_settings"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
