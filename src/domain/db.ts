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
  const owner = new Kysely<Database>({ dialect: dialect(failFastAfterLoss(ownerSql)) });
  const app = new Kysely<Database>({ dialect: dialect(failFastAfterLoss(appSql)) });
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

// postgres.js's codes for a connection that is gone, and the socket errors of a server that is not there.
const LOST_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);

/** The error's code (postgres.js and Postgres put it on the error; a wrapper may put the error in `cause`). */
export function errorCode(err: unknown): string | null {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return null;
}

/**
 * The database connection is lost or the server refuses connections for now: a restart, a failover, a network cut.
 * 08: connection exceptions; 57P01-57P03: admin or crash shutdown, cannot connect now; 53300: too many connections.
 */
export function isConnectionLost(err: unknown): boolean {
  const code = errorCode(err);
  return !!code && (LOST_CODES.has(code) || code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "53300");
}

/**
 * Kysely runs each query (and each transaction) on a connection reserved from postgres.js. When PostgreSQL drops
 * that connection (57P01 on a restart), postgres.js 3.4 rejects the statement in flight, but a later statement on
 * the same reservation, Kysely's ROLLBACK above all, is written to the closed socket and never settles: the
 * request would hang for good. Worse, releasing that reservation puts the dead connection back among the open ones,
 * and the next request to take it hangs the same way. So once a reservation has seen its connection lost, its next
 * statements fail at once and it is not released (postgres.js has already moved the connection to its closed
 * list, from which it reconnects). A connection lost while its reservation sits idle between two statements of a
 * transaction is not seen here; that window is a few milliseconds per transaction.
 */
function failFastAfterLoss(sql: postgres.Sql): postgres.Sql {
  const reserve = sql.reserve.bind(sql);
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop !== "reserve") return Reflect.get(target, prop, receiver);
      return async () => {
        const reserved = await reserve();
        const unsafe = reserved.unsafe.bind(reserved);
        let lost: unknown = null;
        reserved.unsafe = ((...args: Parameters<typeof unsafe>) => {
          if (lost) {
            // The server rolled the transaction back when it dropped the connection. Answering Kysely's ROLLBACK
            // with an error would make it fail on a method kysely-postgres-js lacks (a 500 instead of the error).
            if (/^\s*rollback\s*$/i.test(String(args[0]))) return Promise.resolve(Object.assign([], { command: "ROLLBACK", count: 0 }));
            const failed = Promise.reject(lost);
            failed.catch(() => {});
            return failed;
          }
          const query = unsafe(...args);
          // Observe the outcome through the await that Kysely makes, without starting the query early (a cursor
          // must not be turned into a plain query).
          const then = query.then.bind(query);
          query.then = ((ok, fail) =>
            then(ok, (err: unknown) => {
              if (isConnectionLost(err)) lost = err;
              if (fail) return fail(err);
              throw err;
            })) as typeof query.then;
          return query;
        }) as typeof reserved.unsafe;
        const release = reserved.release.bind(reserved);
        reserved.release = () => {
          if (!lost) release();
        };
        return reserved;
      };
    },
  });
}
