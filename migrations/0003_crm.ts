import { sql, type Kysely } from "kysely";

// CRM core: companies, contacts, leads, pipelines and deals, and what hangs off any of them (activities, tasks,
// notes, attachments), plus custom field definitions. Frozen in time: never import src/.
//
// Every table: tenant_id first in the key, foreign keys that carry the tenant (no row can point into another
// workspace), forced row-level security. Records keep custom field values in `custom` (jsonb), validated in the
// domain against the definitions. Search uses a generated tsvector over names, emails, phones and company names.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  // array_to_string is only STABLE in the catalogue; for text[] it is immutable in fact, and a generated column
  // needs an immutable expression.
  await run(sql`
    create function app_private.search_text(parts text[]) returns text language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    as $$ select array_to_string(parts, ' ') $$`);
  await run(sql`grant execute on function app_private.search_text(text[]) to steward_app`);

  const owner = sql`owner_id uuid references users (id) on delete set null`;
  const stamps = sql`created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null`;

  await run(sql`
    create table companies (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      domain text check (domain is null or domain ~ '^[a-z0-9.-]{1,253}$'),
      industry text check (length(industry) <= 100),
      size text check (size in ('1-10', '11-50', '51-200', '201-1000', '1001-5000', '5000+')),
      address text check (length(address) <= 1000),
      ${owner},
      custom jsonb not null default '{}',
      ${stamps},
      search tsvector generated always as (to_tsvector('simple', app_private.search_text(array[name, domain, industry]))) stored,
      -- Sort keys as plain columns: under RLS a lower(...) expression is not leakproof, so a keyset condition on it
      -- cannot become an index condition and deep pages would scan.
      name_key text generated always as (lower(name)) stored,
      primary key (tenant_id, id)
    )`);
  await run(sql`create index companies_domain on companies (tenant_id, domain) where domain is not null`);
  await run(sql`create index companies_name on companies (tenant_id, name_key, id)`);
  await run(sql`create index companies_search on companies using gin (search)`);
  await run(sql`create index companies_created on companies (tenant_id, created_at, id)`);

  await run(sql`
    create table contacts (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      first_name text not null default '' check (length(first_name) <= 100),
      last_name text not null default '' check (length(last_name) <= 100),
      emails text[] not null default '{}' check (cardinality(emails) <= 10),
      phones text[] not null default '{}' check (cardinality(phones) <= 10),
      title text check (length(title) <= 200),
      company_id uuid,
      ${owner},
      custom jsonb not null default '{}',
      ${stamps},
      search tsvector generated always as (to_tsvector('simple', app_private.search_text(array[first_name, last_name, title] || emails || phones))) stored,
      last_key text generated always as (lower(last_name)) stored,
      first_key text generated always as (lower(first_name)) stored,
      primary key (tenant_id, id),
      foreign key (tenant_id, company_id) references companies (tenant_id, id) on delete set null (company_id),
      check (length(first_name) + length(last_name) > 0 or cardinality(emails) > 0)
    )`);
  await run(sql`create index contacts_company on contacts (tenant_id, company_id)`);
  await run(sql`create index contacts_name on contacts (tenant_id, last_key, first_key, id)`);
  await run(sql`create index contacts_emails on contacts using gin (emails)`);
  await run(sql`create index contacts_search on contacts using gin (search)`);
  await run(sql`create index contacts_created on contacts (tenant_id, created_at, id)`);

  await run(sql`
    create table leads (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      email text check (length(email) <= 320),
      phone text check (length(phone) <= 50),
      company_name text check (length(company_name) <= 200),
      source text check (length(source) <= 100),
      status text not null default 'new' check (status in ('new', 'contacted', 'qualified', 'disqualified')),
      ${owner},
      utm_source text check (length(utm_source) <= 200),
      utm_medium text check (length(utm_medium) <= 200),
      utm_campaign text check (length(utm_campaign) <= 200),
      utm_term text check (length(utm_term) <= 200),
      utm_content text check (length(utm_content) <= 200),
      referrer text check (length(referrer) <= 2000),
      converted_at timestamptz,
      converted_contact_id uuid,
      converted_company_id uuid,
      converted_deal_id uuid,
      custom jsonb not null default '{}',
      ${stamps},
      search tsvector generated always as (to_tsvector('simple', app_private.search_text(array[name, email, phone, company_name]))) stored,
      name_key text generated always as (lower(name)) stored,
      primary key (tenant_id, id),
      foreign key (tenant_id, converted_contact_id) references contacts (tenant_id, id) on delete set null (converted_contact_id),
      foreign key (tenant_id, converted_company_id) references companies (tenant_id, id) on delete set null (converted_company_id)
    )`);
  await run(sql`create index leads_status on leads (tenant_id, status, id)`);
  await run(sql`create index leads_created on leads (tenant_id, created_at, id)`);
  await run(sql`create index leads_name on leads (tenant_id, name_key, id)`);
  await run(sql`create index leads_search on leads using gin (search)`);

  await run(sql`
    create table pipelines (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 100),
      position integer not null default 0,
      created_at timestamptz not null,
      primary key (tenant_id, id)
    )`);
  await run(sql`
    create table pipeline_stages (
      tenant_id uuid not null,
      id uuid not null,
      pipeline_id uuid not null,
      name text not null check (length(name) between 1 and 100),
      position integer not null,
      probability integer not null check (probability between 0 and 100),
      primary key (tenant_id, id),
      foreign key (tenant_id, pipeline_id) references pipelines (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index pipeline_stages_pipeline on pipeline_stages (tenant_id, pipeline_id, position)`);

  await run(sql`
    create table deals (
      tenant_id uuid not null,
      id uuid not null,
      title text not null check (length(title) between 1 and 200),
      amount_minor bigint not null default 0 check (amount_minor between 0 and 100000000000000),
      currency char(3) not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
      pipeline_id uuid not null,
      stage_id uuid not null,
      expected_close_date date,
      probability integer check (probability between 0 and 100),
      company_id uuid,
      ${owner},
      status text not null default 'open' check (status in ('open', 'won', 'lost')),
      closed_at timestamptz,
      close_reason text check (length(close_reason) <= 500),
      position double precision not null default 0,
      custom jsonb not null default '{}',
      ${stamps},
      search tsvector generated always as (to_tsvector('simple', coalesce(title, ''))) stored,
      primary key (tenant_id, id),
      foreign key (tenant_id) references tenants (id) on delete cascade,
      foreign key (tenant_id, pipeline_id) references pipelines (tenant_id, id),
      foreign key (tenant_id, stage_id) references pipeline_stages (tenant_id, id),
      foreign key (tenant_id, company_id) references companies (tenant_id, id) on delete set null (company_id),
      check ((status = 'open') = (closed_at is null))
    )`);
  await run(sql`create index deals_board on deals (tenant_id, pipeline_id, stage_id, position)`);
  await run(sql`create index deals_company on deals (tenant_id, company_id)`);
  await run(sql`create index deals_search on deals using gin (search)`);
  await run(sql`create index deals_created on deals (tenant_id, created_at, id)`);
  await run(sql`create index deals_amount on deals (tenant_id, amount_minor, id)`);
  await run(sql`create index deals_close on deals (tenant_id, (coalesce(expected_close_date, '9999-12-31'::date)), id)`);
  await run(sql`create index deals_open_totals on deals (tenant_id, pipeline_id, stage_id, currency) include (amount_minor) where status = 'open'`);
  await run(sql`alter table leads add foreign key (tenant_id, converted_deal_id) references deals (tenant_id, id) on delete set null (converted_deal_id)`);
  // Deleting a contact, company or deal checks these foreign keys: without indexes each delete scans every lead.
  for (const col of ["converted_contact_id", "converted_company_id", "converted_deal_id"]) {
    await run(sql.raw(`create index leads_${col} on leads (tenant_id, ${col}) where ${col} is not null`));
  }

  await run(sql`
    create table deal_contacts (
      tenant_id uuid not null,
      deal_id uuid not null,
      contact_id uuid not null,
      primary key (tenant_id, deal_id, contact_id),
      foreign key (tenant_id, deal_id) references deals (tenant_id, id) on delete cascade,
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index deal_contacts_contact on deal_contacts (tenant_id, contact_id)`);

  // What hangs off a record: exactly one of company, contact, lead or deal (tasks may stand alone). Real foreign
  // keys, so deleting a record takes its timeline with it and "everything that mentions this contact" is a query.
  const subject = sql`company_id uuid,
      contact_id uuid,
      lead_id uuid,
      deal_id uuid,
      foreign key (tenant_id, company_id) references companies (tenant_id, id) on delete cascade,
      foreign key (tenant_id, contact_id) references contacts (tenant_id, id) on delete cascade,
      foreign key (tenant_id, lead_id) references leads (tenant_id, id) on delete cascade,
      foreign key (tenant_id, deal_id) references deals (tenant_id, id) on delete cascade`;
  const exactlyOne = sql`check (num_nonnulls(company_id, contact_id, lead_id, deal_id) = 1)`;
  const atMostOne = sql`check (num_nonnulls(company_id, contact_id, lead_id, deal_id) <= 1)`;

  await run(sql`
    create table activities (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      kind text not null check (kind in ('call', 'meeting', 'email')),
      occurred_at timestamptz not null,
      duration_minutes integer check (duration_minutes between 0 and 1440),
      outcome text check (length(outcome) <= 200),
      body text not null default '' check (length(body) <= 20000),
      author_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      ${subject},
      primary key (tenant_id, id),
      ${exactlyOne}
    )`);
  await run(sql`
    create table tasks (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      title text not null check (length(title) between 1 and 300),
      due_on date,
      assignee_id uuid references users (id) on delete set null,
      done_at timestamptz,
      author_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      ${subject},
      primary key (tenant_id, id),
      ${atMostOne}
    )`);
  await run(sql`create index tasks_assignee on tasks (tenant_id, assignee_id, done_at, due_on)`);
  await run(sql`
    create table notes (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      body text not null check (length(body) between 1 and 20000),
      author_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      ${subject},
      primary key (tenant_id, id),
      ${exactlyOne}
    )`);
  await run(sql`
    create table attachments (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      filename text not null check (length(filename) between 1 and 255),
      content_type text not null check (length(content_type) <= 200),
      size_bytes integer not null check (size_bytes >= 0),
      sha256 bytea not null,
      data bytea not null,
      author_id uuid references users (id) on delete set null,
      created_at timestamptz not null,
      ${subject},
      primary key (tenant_id, id),
      ${exactlyOne}
    )`);
  for (const t of ["activities", "tasks", "notes", "attachments"]) {
    for (const col of ["company_id", "contact_id", "lead_id", "deal_id"]) {
      await run(sql.raw(`create index ${t}_${col} on ${t} (tenant_id, ${col}, created_at desc) where ${col} is not null`));
    }
  }

  for (const col of ["company_id", "contact_id", "lead_id", "deal_id"]) {
    await run(sql.raw(`create index activities_${col}_occurred on activities (tenant_id, ${col}, occurred_at desc, id desc) where ${col} is not null`));
  }
  // A record's timeline shows its audit changes.
  await run(sql`create index audit_events_target on audit_events (tenant_id, target_type, target_id, created_at desc, id desc)`);

  await run(sql`
    create table custom_field_definitions (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      object text not null check (object in ('company', 'contact', 'lead', 'deal')),
      key text not null check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      label text not null check (length(label) between 1 and 100),
      type text not null check (type in ('text', 'long_text', 'number', 'date', 'select', 'multi_select', 'checkbox', 'url', 'email')),
      options text[] not null default '{}',
      required boolean not null default false,
      position integer not null default 0,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, object, key)
    )`);

  // Custom-field filters (custom @> '{"key": value}') at scale.
  for (const t of ["companies", "contacts", "leads", "deals"]) {
    await run(sql.raw(`create index ${t}_custom on ${t} using gin (custom jsonb_path_ops)`));
  }

  const tables = ["companies", "contacts", "leads", "pipelines", "pipeline_stages", "deals", "deal_contacts", "activities", "tasks", "notes", "attachments", "custom_field_definitions"];
  for (const t of tables) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
  await searchFunction(run);
}


/**
 * Full-text search under row-level security: `@@` is not leakproof, so a policy-filtered query cannot use the GIN
 * index and scans the whole workspace. This function runs as the owner (whose read policy on these tables is
 * unconditional), filters by the caller's pinned tenant itself, and can use the index. It answers ids only.
 */
async function searchFunction(run: (q: ReturnType<typeof sql>) => Promise<unknown>) {
  for (const t of ["companies", "contacts", "leads", "deals"]) {
    await run(sql`create policy owner_search on ${sql.table(t)} for select to steward_owner using (true)`);
  }
  await run(sql`
    create function app_private.search_matches(p_table text, p_query text)
    returns table (id uuid, rank real)
    language plpgsql stable security definer set search_path = pg_catalog, pg_temp
    as $$
    begin
      if p_table not in ('companies', 'contacts', 'leads', 'deals') then
        raise exception 'search_matches: unknown table %', p_table;
      end if;
      if app_private.current_tenant() is null then
        return;
      end if;
      return query execute format(
        'select t.id, ts_rank(t.search, q) from public.%I t, to_tsquery(''simple'', $1) q
         where t.tenant_id = $2 and t.search @@ q', p_table)
        using p_query, app_private.current_tenant();
    end $$`);
  await run(sql`revoke all on function app_private.search_matches(text, text) from public`);
  await run(sql`grant execute on function app_private.search_matches(text, text) to steward_app`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["custom_field_definitions", "attachments", "notes", "tasks", "activities", "deal_contacts", "leads", "deals", "pipeline_stages", "pipelines", "contacts", "companies"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
  await sql`drop function if exists app_private.search_text(text[])`.execute(db);
  await sql`drop function if exists app_private.search_matches(text, text)`.execute(db);
}
