import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { systemCtx } from "../context.ts";
import { connect } from "../db.ts";
import { OWNER_ROLE } from "../embedded.ts";
import { replayLedger, type LedgerRow, type ReplayResult } from "./ledger-replay.ts";

// P24: `bun run backup` writes a pg_dump (custom format) of the whole database into the backup folder with the
// deletion ledger beside it, and deletes backups older than 90 days; `bun run restore <file>` restores one into a
// new database, replays every ledger entry the backup does not have (from the live database and from the ledger
// files of every backup in the folder), and only then swaps it in for the live one, which is kept under another
// name. pg_dump and pg_restore run as a role that bypasses row-level security (the superuser of the embedded
// server, or BACKUP_DATABASE_URL): as the owner, forced RLS would hide every workspace's rows.

export const BACKUP_KEEP_DAYS = 90;
const NAME = /^steward-(\d{8}T\d{6}Z)\.dump$/;

/** A failure the command explains in one line. `usage`: bad arguments or setup (exit 2), else the work failed (exit 1). */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  version: string;
}

/** Where pg_dump may be: PG_BIN_DIR, the project's own build (scripts/pg-client.sh), Debian's folder, then PATH. */
export function pgToolCandidates(major: number, root: string, env: Record<string, string | undefined> = process.env): string[] {
  const dirs = [env.PG_BIN_DIR, join(root, `.tools/pg${major}/bin`), `/usr/lib/postgresql/${major}/bin`].filter((d): d is string => !!d);
  const onPath = Bun.which("pg_dump");
  if (onPath) dirs.push(resolve(onPath, ".."));
  return dirs;
}

/** A pg_dump and pg_restore at least as new as the server (pg_dump refuses a newer server), or a clear error. */
export async function findPgTools(serverMajor: number, root: string, env: Record<string, string | undefined> = process.env): Promise<PgTools> {
  const seen: string[] = [];
  for (const dir of pgToolCandidates(serverMajor, root, env)) {
    const pgDump = join(dir, "pg_dump");
    const pgRestore = join(dir, "pg_restore");
    if (!existsSync(pgDump) || !existsSync(pgRestore)) continue;
    const out = Bun.spawnSync([pgDump, "--version"]).stdout.toString().trim();
    const major = Number(out.match(/(\d+)(?:\.\d+)?/)?.[1]);
    seen.push(`${pgDump} (${out || "no version"})`);
    if (major >= serverMajor) return { pgDump, pgRestore, version: out };
  }
  throw new BackupError(
    `no pg_dump for PostgreSQL ${serverMajor} or newer` +
      (seen.length ? ` (found only ${seen.join(", ")})` : "") +
      `. Install postgresql-client-${serverMajor}, set PG_BIN_DIR to its bin folder, or build one with \`bash scripts/pg-client.sh ${serverMajor}\`.`,
    true,
  );
}

/** libpq settings from a URL, passed by environment so no password shows in the process list. */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {
    PGHOST: decodeURIComponent(u.hostname),
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function run(cmd: string[], url: string): Promise<void> {
  // Only the variables pg_dump needs and our own libpq settings: no inherited PG* variable points it elsewhere.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...libpqEnv(url) };
  const p = Bun.spawn(cmd, { env, stdout: "pipe", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  if (code !== 0) throw new BackupError(`${cmd[0]!.split("/").pop()} failed (exit ${code}): ${err.trim().split("\n").slice(-3).join(" ")}`);
}

export async function serverMajor(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql<{ v: string }[]>`select current_setting('server_version_num') as v`;
    return Math.floor(Number(r!.v) / 10000);
  } finally {
    await sql.end();
  }
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
const fromStamp = (s: string) => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);

async function readLedgerFrom(url: string): Promise<LedgerRow[] | null> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [has] = await sql<{ t: string | null }[]>`select to_regclass('public.deletion_ledger')::text as t`;
    if (!has?.t) return null;
    return await sql<LedgerRow[]>`select id::text, tenant_id::text, table_name, action, columns, row_ids, subject_kind, subject_ids, request_id::text, erased_at
      from deletion_ledger order by erased_at, id`;
  } finally {
    await sql.end();
  }
}

export interface BackupOptions {
  /** A connection that bypasses row-level security (superuser or BYPASSRLS), to the database to back up. */
  url: string;
  dir: string;
  now: Date;
  tools: PgTools;
  keepDays?: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  ledgerEntries: number;
  removed: string[];
}

/** One backup: the dump and its ledger, written under temporary names and renamed when whole; then the pruning. */
export async function takeBackup(o: BackupOptions): Promise<BackupResult> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const base = `steward-${stamp(o.now)}`;
  const file = join(o.dir, `${base}.dump`);
  if (existsSync(file)) throw new BackupError(`${file} already exists`);
  const partial = `${file}.partial`;
  let ledger: LedgerRow[] = [];
  try {
    await run([o.tools.pgDump, "--format=custom", "--no-password", `--file=${partial}`], o.url);
    // The ledger as it was in that snapshot or a little later: a superset is harmless, replay is idempotent.
    ledger = (await readLedgerFrom(o.url)) ?? [];
    await writeFile(join(o.dir, `${base}.ledger.json`), JSON.stringify({ format: "steward-deletion-ledger/1", taken_at: o.now.toISOString(), entries: ledger }), { mode: 0o600 });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const removed = await pruneBackups(o.dir, o.now, o.keepDays ?? BACKUP_KEEP_DAYS);
  return { file, bytes: (await stat(file)).size, ledgerEntries: ledger.length, removed };
}

/** Deletes backups (and their ledger files) whose name says they are older than keepDays; nothing else. */
export async function pruneBackups(dir: string, now: Date, keepDays = BACKUP_KEEP_DAYS): Promise<string[]> {
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const m = name.match(NAME);
    if (!m || fromStamp(m[1]!).getTime() >= cutoff) continue;
    await rm(join(dir, name), { force: true });
    await rm(join(dir, name.replace(/\.dump$/, ".ledger.json")), { force: true });
    removed.push(name);
  }
  return removed.sort();
}

/** The backups in the folder, oldest first. */
export async function listBackups(dir: string): Promise<{ file: string; takenAt: Date }[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .map((name) => ({ name, m: name.match(NAME) }))
    .filter((x) => x.m)
    .map((x) => ({ file: join(dir, x.name), takenAt: fromStamp(x.m![1]!) }))
    .sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
}

async function ledgerFiles(dir: string): Promise<LedgerRow[]> {
  if (!existsSync(dir)) return [];
  const out: LedgerRow[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".ledger.json")) continue;
    const doc = JSON.parse(await readFile(join(dir, name), "utf8")) as { entries: (LedgerRow & { erased_at: string })[] };
    for (const e of doc.entries) out.push({ ...e, erased_at: new Date(e.erased_at) });
  }
  return out;
}

export interface RestoreOptions {
  /** As for backups, to the live database (which need not exist any more). */
  url: string;
  file: string;
  /** Where the other backups' ledger files are. */
  dir: string;
  now: Date;
  tools: PgTools;
}

export interface RestoreResult {
  database: string;
  /** The live database as it was, kept under this name (null when there was none). */
  keptAs: string | null;
  ledgerKnown: number;
  replay: ReplayResult;
}

/**
 * Restores into `<db>_restoring`, replays the ledger there, then renames: the live database becomes
 * `<db>_before_restore_<stamp>` and the restored one takes its name. Until the rename, the live database is
 * untouched, so a failure anywhere leaves it as it was. Connections to the live database are ended at the swap.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  if (!existsSync(o.file)) throw new BackupError(`${o.file}: no such file`, true);
  const database = decodeURIComponent(new URL(o.url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(database)) throw new BackupError(`database name "${database}" is not one this command will rename`);
  const restoring = `${database}_restoring`;
  const keptAs = `${database}_before_restore_${stamp(o.now).toLowerCase()}`;
  const admin = postgres(withDatabase(o.url, "postgres"), { max: 1, onnotice: () => {} });
  try {
    // Is it a pg_dump archive at all? pg_restore --list reads only its table of contents.
    await run([o.tools.pgRestore, "--list", o.file], o.url).catch((err) => {
      throw new BackupError(`${o.file} is not a backup pg_restore can read: ${(err as Error).message}`, true);
    });
    const [live] = await admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${database}`;
    const known = new Map<string, LedgerRow>();
    for (const e of [...(live!.n ? ((await readLedgerFrom(o.url)) ?? []) : []), ...(await ledgerFiles(o.dir))]) known.set(e.id, e);

    await admin.unsafe(`drop database if exists ${restoring} with (force)`);
    await admin.unsafe(`create database ${restoring} owner ${OWNER_ROLE} template template0`);
    const restoringUrl = withDatabase(o.url, restoring);
    let replay: ReplayResult;
    try {
      await run([o.tools.pgRestore, "--single-transaction", "--exit-on-error", "--no-password", `--dbname=${restoring}`, o.file], restoringUrl);
      const db = connect({ ownerUrl: restoringUrl, appUrl: restoringUrl }, { poolSize: 2 });
      try {
        replay = await db.owner.transaction().execute(async (trx) => {
          const have = new Set((await trx.selectFrom("deletion_ledger").select("id").execute()).map((r) => r.id));
          const missing = [...known.values()].filter((e) => !have.has(e.id));
          const r = await replayLedger(systemCtx(trx, o.now, null), missing);
          // The restored ledger gets the entries it lacked, so it is whole again for the next restore.
          for (let i = 0; i < missing.length; i += 1000) await trx.insertInto("deletion_ledger").values(missing.slice(i, i + 1000)).execute();
          return r;
        });
      } finally {
        await db.close();
      }
    } catch (err) {
      await admin.unsafe(`drop database if exists ${restoring} with (force)`);
      throw err;
    }

    // The swap: no new sessions on the live database (the kept copy stays closed; see the README to go back), end
    // the ones it has, then two renames.
    let kept: string | null = null;
    if (live!.n) {
      await admin.unsafe(`alter database ${database} with allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.unsafe(`alter database ${database} rename to ${keptAs}`);
          break;
        } catch (err) {
          // A terminated backend can take a moment to exit ("is being accessed by other users").
          if ((err as { code?: string }).code !== "55006" || attempt >= 50) throw err;
          await Bun.sleep(100);
        }
      }
      kept = keptAs;
    }
    await admin.unsafe(`alter database ${restoring} rename to ${database}`);
    return { database, keptAs: kept, ledgerKnown: known.size, replay };
  } finally {
    await admin.end();
  }
}
