import { Kysely } from "kysely";
import { Migrator, FileMigrationProvider } from "kysely/migration";
import { PostgresJSDialect } from "kysely-postgres-js";
import { Logger, runMigrations } from "graphile-worker";
import { promises as fs } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { APP_ROLE } from "./embedded.ts";

const MIGRATIONS_DIR = path.resolve(import.meta.dir, "../../migrations");
// Any constant works; it only has to be the same in every Steward process.
const MIGRATION_LOCK = 727_001;

export interface MigrationReport { applied: string[] }

/**
 * Brings the database to the latest schema: graphile-worker's tables first (our SQL wraps its add_job), then
 * Steward's migrations. A session advisory lock serialises processes that start at the same moment.
 */
export async function migrate(ownerUrl: string): Promise<MigrationReport> {
  // One connection holds the lock; the migrator needs its own.
  const sql = postgres(ownerUrl, { max: 3, onnotice: () => {} });
  const reserved = await sql.reserve();
  try {
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await ensureAppRole(reserved);
    await runMigrations({ connectionString: ownerUrl, logger: quietLogger });
    const db = new Kysely<unknown>({ dialect: new PostgresJSDialect({ postgres: sql }) });
    const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === "Error");
    if (error) throw new Error(`migration ${failed?.migrationName ?? ""} failed: ${(error as Error).message ?? error}`);
    return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
  } finally {
    await reserved`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    reserved.release();
    await sql.end();
  }
}

/**
 * Migrations grant to the app role by name, so it must exist before they run. When no APP_DATABASE_URL is given,
 * the app pool logs in as the owner and switches to this role, which needs membership: granted here if we may.
 */
async function ensureAppRole(sql: postgres.Sql) {
  const [found] = await sql`select 1 from pg_roles where rolname = ${APP_ROLE}`;
  if (!found) {
    try {
      await sql.unsafe(`create role ${APP_ROLE} nologin nosuperuser nobypassrls`);
    } catch (err) {
      throw new Error(
        `the role ${APP_ROLE} does not exist and the DATABASE_URL user may not create it (${(err as Error).message}); ` +
          `create it as described in the README (Scaling out)`,
      );
    }
  }
  const [member] = await sql`select pg_has_role(current_user, ${APP_ROLE}, 'MEMBER') as ok`;
  if (!member!.ok) await sql.unsafe(`grant ${APP_ROLE} to current_user`).catch(() => {});
}

// graphile-worker logs every migration step at info; we only want its warnings.
const quietLogger = new Logger(() => (level: string, message: string) => {
  if (level === "error" || level === "warning") console.error(`graphile-worker: ${message}`);
});
