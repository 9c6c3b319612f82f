import { sql, type Kysely } from "kysely";

// Platform basics: the privileges of the app role, the job-enqueue wrapper and the email outbox.
// Frozen in time: never import from src/.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`revoke all on schema public from public`.execute(db);
  await sql`grant usage on schema public to steward_app`.execute(db);

  // Functions the app role may call with the owner's rights. Each pins its search_path.
  await sql`create schema app_private`.execute(db);
  await sql`revoke all on schema app_private from public`.execute(db);
  await sql`grant usage on schema app_private to steward_app`.execute(db);

  // The app role cannot touch graphile_worker's tables; it enqueues through this wrapper, inside its own
  // transaction, so a rolled-back write never leaves a job behind.
  await sql`
    create function app_private.add_job(
      task text, payload json, run_at timestamptz default null, job_key text default null,
      max_attempts integer default null, priority integer default null
    ) returns void
    language sql volatile security definer
    set search_path = pg_catalog, pg_temp
    as $$
      select from graphile_worker.add_job(
        identifier => task, payload => payload, run_at => run_at, job_key => job_key,
        max_attempts => max_attempts, priority => priority
      );
    $$`.execute(db);
  await sql`revoke all on function app_private.add_job from public`.execute(db);
  await sql`grant execute on function app_private.add_job to steward_app`.execute(db);

  // Outbox: every email Steward sends, so that a retried job never delivers twice, failures stay visible, and
  // without SMTP the development mailbox shows them. Holds personal data: purged 30 days after it settles.
  await sql`
    create table emails (
      id uuid primary key,
      idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
      to_address text not null check (length(to_address) between 3 and 320),
      subject text not null check (length(subject) <= 300),
      text_body text not null,
      html_body text not null,
      status text not null default 'queued' check (status in ('queued', 'sent', 'retrying', 'failed', 'captured')),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    )`.execute(db);
  await sql`create index emails_created_at on emails (created_at)`.execute(db);
  // The app role may queue mail but never read anyone's: the worker delivers with the owner role.
  await sql`grant insert on emails to steward_app`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table emails`.execute(db);
  await sql`drop schema app_private cascade`.execute(db);
}
