import { Kysely } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import type { Database } from "./schema.ts";

export type DB = Kysely<Database>;

export interface DbUrls {
  /** Owns the schema: migrations, the worker's maintenance, cross-tenant jobs. */
  ownerUrl: string;
  /** Serves requests: a plain role under row-level security. */
  appUrl: string;
  /** When the app URL is the owner's, switch every app connection to this role (see README, scaling out). */
  appRole?: string;
}

export interface Db {
  owner: DB;
  app: DB;
  ownerSql: postgres.Sql;
  appSql: postgres.Sql;
  close(): Promise<void>;
}

export function connect(urls: DbUrls, opts: { poolSize?: number } = {}): Db {
  const common = {
    max: opts.poolSize ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
  } satisfies postgres.Options<{}>;
  const ownerSql = postgres(urls.ownerUrl, { ...common, max: Math.max(2, Math.ceil(common.max / 2)) });
  // `role` in the startup packet is applied like SET ROLE before the first query of every connection.
  const appSql = postgres(urls.appUrl, {
    ...common,
    connection: urls.appRole ? { role: urls.appRole } : {},
  });
  const owner = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: ownerSql }) });
  const app = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: appSql }) });
  return {
    owner,
    app,
    ownerSql,
    appSql,
    async close() {
      await Promise.all([app.destroy(), owner.destroy()]);
      // Kysely ends the pool only if it ever ran a query through it; raw postgres.js use (health checks) doesn't count.
      await Promise.all([appSql.end(), ownerSql.end()]);
    },
  };
}

/** A cheap liveness probe for /health: the database answers within the timeout, or it does not. */
export async function ping(sql: postgres.Sql, timeoutMs = 2000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
  try {
    return await Promise.race([sql`select 1`.then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
