import { sql, type Kysely } from "kysely";

// Worker crash recovery (issue 10, item 6). graphile-worker keeps a job locked by a dead process for four hours;
// each worker process registers its pool id here with the backend of a connection it holds open for its whole
// life, so another worker can tell a dead pool from a live one and release its jobs at once. Not workspace data:
// no tenant_id, no person. Frozen in time: never import src/.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table worker_pools (
      pool_id text primary key,
      backend_pid int not null,
      backend_start timestamptz not null,
      seen_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table worker_pools`.execute(db);
}
