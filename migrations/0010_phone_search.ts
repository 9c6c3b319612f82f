import { sql, type Kysely } from "kysely";

// Phone numbers in full-text search (issue 4, item 6). Frozen in time: never import src/.
//
// A phone is typed in many shapes ("+1 (415) 555-0100", "415.555.0100"), and people search by any run of its
// digits. Until now a phone-like search scanned every contact's phones with a regular expression (a second at
// 100,000 contacts). Contacts and leads now index every suffix (three digits or longer) of each phone's digits,
// so a prefix query on the typed digits ('4155550:*') finds any run of them through the GIN index.
export async function up(db: Kysely<any>): Promise<void> {
  const run = (q: ReturnType<typeof sql>) => q.execute(db);

  await run(sql`
    create function app_private.phone_keys(phones text[]) returns text language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    as $$
      select coalesce(string_agg(substr(d, i), ' '), '')
      from (select regexp_replace(p, '\\D', '', 'g') as d from unnest(phones) p) x, generate_series(1, length(d) - 2) i
    $$`);
  await run(sql`grant execute on function app_private.phone_keys(text[]) to steward_app`);

  await run(sql`alter table contacts drop column search`);
  await run(sql`alter table contacts add column search tsvector generated always as
    (to_tsvector('simple', app_private.search_text(array[first_name, last_name, title, app_private.phone_keys(phones)] || emails || phones))) stored`);
  await run(sql`create index contacts_search on contacts using gin (search)`);

  await run(sql`alter table leads drop column search`);
  await run(sql`alter table leads add column search tsvector generated always as
    (to_tsvector('simple', app_private.search_text(array[name, email, phone, company_name, app_private.phone_keys(array[phone])]))) stored`);
  await run(sql`create index leads_search on leads using gin (search)`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table contacts drop column search`.execute(db);
  await sql`alter table contacts add column search tsvector generated always as (to_tsvector('simple', app_private.search_text(array[first_name, last_name, title] || emails || phones))) stored`.execute(db);
  await sql`create index contacts_search on contacts using gin (search)`.execute(db);
  await sql`alter table leads drop column search`.execute(db);
  await sql`alter table leads add column search tsvector generated always as (to_tsvector('simple', app_private.search_text(array[name, email, phone, company_name]))) stored`.execute(db);
  await sql`create index leads_search on leads using gin (search)`.execute(db);
  await sql`drop function if exists app_private.phone_keys(text[])`.execute(db);
}
