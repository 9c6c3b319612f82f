import { sql, type Kysely } from "kysely";

// CRM, issue 8, items 6 and 7: public lead forms and their submissions (P25). Frozen in time: never import src/.
//
// A form is a workspace's public page at /f/<workspace slug>/<form slug>: which lead fields and custom fields it asks
// for (`fields`, in order), what it sets on the leads it creates (source, owner), and what the visitor sees after
// (a thank-you message or a redirect). `signing_key` signs the timestamp a form page carries, so the minimum time
// to submit holds across every web process without shared memory. A submission links a form to the lead it
// created, with the visit's attribution as it arrived (the lead's own columns can be edited later).
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create table lead_forms (
      tenant_id uuid not null references tenants (id) on delete cascade,
      id uuid not null,
      slug text not null check (slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'),
      name text not null check (length(name) between 1 and 200),
      fields text[] not null check (cardinality(fields) between 1 and 60),
      source text check (length(source) between 1 and 100),
      owner_id uuid references users (id) on delete set null,
      notify_owner boolean not null default false,
      thank_you text check (length(thank_you) between 1 and 2000),
      redirect_url text check (length(redirect_url) <= 2000 and redirect_url ~ '^https?://'),
      min_seconds integer not null default 3 check (min_seconds between 0 and 600),
      active boolean not null default true,
      signing_key bytea not null check (length(signing_key) = 32),
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, slug)
    )`);

  await run(sql`
    create table lead_form_submissions (
      tenant_id uuid not null,
      id uuid not null,
      form_id uuid not null,
      lead_id uuid not null,
      utm_source text check (length(utm_source) <= 200),
      utm_medium text check (length(utm_medium) <= 200),
      utm_campaign text check (length(utm_campaign) <= 200),
      utm_term text check (length(utm_term) <= 200),
      utm_content text check (length(utm_content) <= 200),
      referrer text check (length(referrer) <= 2000),
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, form_id) references lead_forms (tenant_id, id) on delete cascade,
      foreign key (tenant_id, lead_id) references leads (tenant_id, id) on delete cascade
    )`);
  await run(sql`create index lead_form_submissions_form on lead_form_submissions (tenant_id, form_id, created_at)`);
  // Deleting a lead checks this foreign key: without the index each delete scans every submission.
  await run(sql`create index lead_form_submissions_lead on lead_form_submissions (tenant_id, lead_id)`);

  for (const t of ["lead_forms", "lead_form_submissions"]) {
    await run(sql`alter table ${sql.table(t)} enable row level security`);
    await run(sql`alter table ${sql.table(t)} force row level security`);
    await run(sql`create policy tenant_isolation on ${sql.table(t)} using (tenant_id = app_private.current_tenant()) with check (tenant_id = app_private.current_tenant())`);
    await run(sql`grant select, insert, update, delete on ${sql.table(t)} to steward_app`);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["lead_form_submissions", "lead_forms"]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
}
