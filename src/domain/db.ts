import { CompiledQuery, Kysely, type DatabaseConnection, type Driver, type TransactionSettings } from "kysely";
import { PostgresJSDialect, PostgresJSDriver } from "kysely-postgres-js";
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
  const owner = new Kysely<Database>({ dialect: dialect(ownerSql) });
  const app = new Kysely<Database>({ dialect: dialect(appSql) });
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

/**
 * Kysely over postgres.js, with BEGIN pipelined: a transaction's BEGIN is not waited for on its own but goes out in
 * the same write as the transaction's first statement (postgres.js gathers what is sent within one tick), and both
 * answers come back together. Every tenant transaction (BEGIN, set_config, …, COMMIT) so costs one round trip
 * less, which under load is CPU on both sides (issue 4 item 11). The first statement only answers once BEGIN has:
 * if BEGIN failed, so does it, and the transaction goes no further. Statements on one connection run in order, so
 * nothing runs before BEGIN. Transactions with an isolation level or access mode begin the usual way.
 */
export function dialect(sql: postgres.Sql): PostgresJSDialect {
  const config = { postgres: sql };
  return new (class extends PostgresJSDialect {
    override createDriver(): Driver {
      return new PipelinedBeginDriver(config);
    }
  })(config);
}

class PipelinedBeginDriver extends PostgresJSDriver {
  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) return super.beginTransaction(connection, settings);
    const begun = connection.executeQuery(CompiledQuery.raw("begin"));
    begun.catch(() => {}); // its failure is reported by the next statement, below
    // The next statement on this connection (an own property shadowing the class's method, removed on first use).
    const own = connection as { executeQuery: DatabaseConnection["executeQuery"] };
    own.executeQuery = async <R>(query: CompiledQuery) => {
      delete (own as Partial<typeof own>).executeQuery;
      const [, result] = await Promise.all([begun, connection.executeQuery<R>(query)]);
      return result;
    };
  }
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
