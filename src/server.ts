import { EventEmitter } from "node:events";
import { run, Logger as WorkerLogger, type Runner, type WorkerEvents } from "graphile-worker";
import { createApp } from "./app.tsx";
import { loadConfig } from "./config.ts";
import { connect, type Db, type DbUrls } from "./domain/db.ts";
import { APP_ROLE, startEmbedded, type EmbeddedServer } from "./domain/embedded.ts";
import { smtpMailer, type Mailer } from "./domain/mail/transport.ts";
import { migrate } from "./domain/migrate.ts";
import { createTaskList, crontab } from "./jobs/index.ts";
import { jsonLogger as log } from "./routes/types.ts";
import { seedDemo } from "./domain/crm/seed.ts";
import { seedCapacity } from "./domain/capacity/seed.ts";
import { seedCrews } from "./domain/crews/seed.ts";
import { startInboundSmtp, type InboundSmtp } from "./domain/messaging/inbound-email.ts";
import { startWorkerLiveness, type WorkerLiveness } from "./domain/worker-pools.ts";

// Entry point. `bun src/server.ts` runs the web server and the job worker in one process; --web and --worker
// run one half each (scale-out), --migrate only migrates.
const mode = process.argv.includes("--web") ? "web" : process.argv.includes("--worker") ? "worker" : process.argv.includes("--migrate") ? "migrate" : "all";
const config = loadConfig();

if ((mode === "web" || mode === "worker") && !config.DATABASE_URL) {
  console.error(`config: DATABASE_URL is required for \`bun run ${mode}\`: separate processes must share one database server`);
  process.exit(2);
}

// Everything shutdown must undo, filled in as startup proceeds.
let embedded: EmbeddedServer | null = null;
let db: Db | null = null;
let mailer: Mailer | null = null;
let runner: Runner | null = null;
let liveness: WorkerLiveness | null = null;
let server: ReturnType<typeof Bun.serve> | null = null;
let inboundSmtp: InboundSmtp | null = null;
let stopping = false;
let startup: Promise<void> = Promise.resolve();

/** Stops in dependency order: no new requests, in-flight requests and the running job finish, pools, database. */
async function shutdown(signal: string, code = 0) {
  if (stopping) return;
  stopping = true;
  log.info({ msg: "shutting down", signal });
  const deadline = setTimeout(async () => {
    log.error({ msg: "shutdown timed out", timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
    await embedded?.stop().catch(() => {});
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  try {
    // A signal during startup waits for it to settle, so nothing half-started (an embedded Postgres) is orphaned.
    await startup.catch(() => {});
    await server?.stop();
    await inboundSmtp?.close();
    await runner?.stop();
    await liveness?.close();
    mailer?.close();
    await db?.close();
    await embedded?.stop();
  } catch (err) {
    log.error({ msg: "error during shutdown", error: (err as Error).message });
    code = 1;
  }
  clearTimeout(deadline);
  log.info({ msg: "stopped" });
  process.exit(code);
}

// Installed before anything starts, so an early signal still stops the embedded database.
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Ctrl-C in a terminal signals the whole process group, so the embedded PostgreSQL is already going down while
// we drain; idle database clients then report "terminating connection" (57P01), which is expected, not a crash.
// Only the message is logged: a database client error object carries its connection settings, password included.
process.on("uncaughtException", (err) => {
  if (stopping && (err as { code?: string }).code === "57P01") return;
  if (isLateWriteOnClosedSocket(err)) {
    log.error({ msg: "database connection closed while a write was pending; its query has failed", error: err.message });
    return;
  }
  log.error({ msg: "uncaught exception", error: err.message, stack: err.stack });
  void shutdown("uncaughtException", 1);
});

// postgres.js 3.4 batches small writes with setImmediate; when PostgreSQL drops the connection (a restart, a
// failover) before that fires, the deferred write finds no socket and throws outside any promise. The connection
// has already failed its queries with CONNECTION_CLOSED (requests get a 503, jobs retry), so this is no crash.
function isLateWriteOnClosedSocket(err: Error): boolean {
  return err instanceof TypeError && err.message.includes("socket.write") && /postgres[/\\]src[/\\]connection\.js/.test(err.stack ?? "");
}

async function start() {
  const startedAt = performance.now();
  let urls: DbUrls;
  try {
    if (config.DATABASE_URL) {
      // Without a separate runtime URL the app pool logs in as the owner and switches to the app role.
      urls = config.APP_DATABASE_URL
        ? { ownerUrl: config.DATABASE_URL, appUrl: config.APP_DATABASE_URL }
        : { ownerUrl: config.DATABASE_URL, appUrl: config.DATABASE_URL, appRole: APP_ROLE };
    } else {
      embedded = await startEmbedded({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT, log: (m) => log.info({ msg: m }) });
      urls = { ownerUrl: embedded.ownerUrl, appUrl: embedded.appUrl };
    }
    const { applied } = await migrate(urls.ownerUrl);
    if (applied.length) log.info({ msg: "migrated", applied });
  } catch (err) {
    throw new StartupError(`could not prepare the database: ${(err as Error).message}`);
  }
  if (mode === "migrate" || stopping) return;

  db = connect(urls, { poolSize: config.DB_POOL_SIZE });
  try {
    await db.appSql`select current_user`;
  } catch (err) {
    throw new StartupError(
      `the app database role cannot connect: ${(err as Error).message}. ` +
        `Set APP_DATABASE_URL, or grant ${APP_ROLE} to the DATABASE_URL user (README, Scaling out).`,
    );
  }
  mailer = config.SMTP_URL ? smtpMailer(config.SMTP_URL) : null;
  const now = () => new Date();
  // `bun run start --demo`: a small demo workspace to click through (kept, and refilled on each --demo start).
  let demo: string | null = null;
  if (process.argv.includes("--demo")) {
    const r = await seedDemo(db, { size: "small", slug: "demo", password: null, log: () => {} });
    await seedCapacity(db.app, r.tenantId);
    await seedCrews(db.app, r.tenantId, { size: "small" });
    demo = `Demo workspace: /t/${r.slug}. Sign in as ${r.email} with password ${r.password ?? "(unchanged since the first --demo start)"}`;
  }

  if (mode !== "web") {
    // Registers the pool before its first job can finish, and releases the jobs of workers that died (README, Jobs).
    liveness = startWorkerLiveness(urls.ownerUrl, { heartbeatSeconds: config.WORKER_HEARTBEAT_SECONDS, onError: (m) => log.error({ msg: m }) });
    const events: WorkerEvents = new EventEmitter();
    events.on("pool:create", ({ workerPool }) => liveness!.register(workerPool.id));
    runner = await run({
      events,
      connectionString: urls.ownerUrl,
      concurrency: config.WORKER_CONCURRENCY,
      noHandleSignals: true,
      pollInterval: 2000,
      taskList: createTaskList({ db, mailer, mailFrom: config.MAIL_FROM, now }),
      crontab,
      logger: new WorkerLogger(() => (level, message) => {
        if (level === "error" || level === "warning") log.error({ msg: `worker: ${message}` });
      }),
    });
  }
  if (mode !== "worker" && !stopping) {
    const app = createApp({ config, db, now, log });
    server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, idleTimeout: 30 });
    // The logging mailbox (off unless INBOUND_SMTP_PORT is set) runs beside the web server.
    if (config.INBOUND_SMTP_PORT) {
      inboundSmtp = await startInboundSmtp({ db: db.app, host: config.INBOUND_SMTP_HOST, port: config.INBOUND_SMTP_PORT, domain: config.INBOUND_SMTP_DOMAIN, maxBytes: config.INBOUND_SMTP_MAX_MB * 1024 * 1024, now, log });
      console.log(`Logging mailbox: SMTP on ${config.INBOUND_SMTP_HOST}:${inboundSmtp.port} for *@${config.INBOUND_SMTP_DOMAIN}`);
    }
  }

  const ms = Math.round(performance.now() - startedAt);
  if (server) {
    console.log(`Steward is running at http://localhost:${server.port}/ (${mode === "all" ? "web and worker" : mode}, ready in ${ms} ms)`);
    if (embedded) console.log(`Embedded PostgreSQL data: ${config.DATA_DIR}/pg. Development mailbox: http://localhost:${server.port}/dev/mail`);
  } else if (runner) {
    console.log(`Steward worker is running (ready in ${ms} ms)`);
  }
  if (demo) console.log(demo);
  else if (server && embedded) console.log(`Create your workspace at http://localhost:${server.port}/signup (or start with --demo for a filled one).`);
  if (!mailer) console.log("SMTP_URL is not set: email is kept in the outbox" + (config.production ? "." : " and shown at /dev/mail."));
}

class StartupError extends Error {}

startup = start();
try {
  await startup;
  if (mode === "migrate") await shutdown("migrated");
} catch (err) {
  console.error(`steward: ${err instanceof StartupError ? err.message : (err as Error).stack}`);
  await shutdown("startup failed", 1);
}
