// `bun run backup`: a pg_dump of the whole database into BACKUP_DIR (default ./backups) with the deletion ledger
// beside it, then deletes backups older than 90 days (P24). Run it daily from the host's scheduler.
// `bun run restore <file>`: restores that backup into a new database, replays the deletion ledger (every erasure and
// purge since the backup is made again), then swaps it in; the database it replaces is kept, closed, under
// `<name>_before_restore_<time>`. Stop Steward before a restore: its sessions to the old database are ended.
//
// The connection must bypass row-level security: BACKUP_DATABASE_URL (a superuser or a BYPASSRLS role that can
// create databases) when DATABASE_URL is set; otherwise the embedded server's superuser, on the running server if
// Steward is up, else started for the command. Exit code: 0 done, 1 failed, 2 bad arguments or missing tools.
import { join } from "node:path";
import { loadConfig } from "./config.ts";
import { runningEmbedded, startEmbedded, DATABASE_NAME, type EmbeddedServer } from "./domain/embedded.ts";
import { BackupError, findPgTools, restoreBackup, serverMajor, takeBackup } from "./domain/privacy/backups.ts";
import { migrate } from "./domain/migrate.ts";

const ROOT = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const restoring = args[0] === "--restore";
const config = loadConfig();
let started: EmbeddedServer | null = null;
let code = 1;

function databaseUrl(superUrl: string) {
  const u = new URL(superUrl);
  u.pathname = `/${DATABASE_NAME}`;
  return u.toString();
}

try {
  if (restoring && args.length !== 2) throw new BackupError("usage: bun run restore <backup file>, e.g. bun run restore backups/steward-20261123T020000Z.dump", true);
  let url: string;
  if (config.DATABASE_URL) {
    if (!config.BACKUP_DATABASE_URL) throw new BackupError("DATABASE_URL is set: set BACKUP_DATABASE_URL too, to the same database as a role that bypasses row-level security (superuser or BYPASSRLS)", true);
    url = config.BACKUP_DATABASE_URL;
  } else {
    const live = runningEmbedded(config.DATA_DIR);
    if (live) url = databaseUrl(live.superUrl);
    else {
      started = await startEmbedded({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT });
      // A fresh data folder has an empty database: migrate it so a restore has a ledger to read (and a backup a schema).
      await migrate(started.ownerUrl);
      url = databaseUrl(started.superUrl);
    }
  }
  const tools = await findPgTools(await serverMajor(url), ROOT);
  if (restoring) {
    const r = await restoreBackup({ url, file: args[1]!, dir: config.BACKUP_DIR, now: new Date(), tools });
    console.log(`restored ${args[1]} into ${r.database}` + (r.keptAs ? `; the database it replaced is kept, closed, as ${r.keptAs}` : ""));
    console.log(`deletion ledger: ${r.ledgerKnown} entries known, ${r.replay.entries} replayed (not in the backup), ${r.replay.rows} rows erased again`);
    for (const u of r.replay.unmatched) console.log(`  not replayed: ledger ${u.id} (${u.table}): ${u.why}`);
  } else {
    const r = await takeBackup({ url, dir: config.BACKUP_DIR, now: new Date(), tools });
    console.log(`backup written: ${r.file} (${(r.bytes / 1024 / 1024).toFixed(1)} MB, ${r.ledgerEntries} ledger entries, ${tools.version})`);
    console.log(r.removed.length ? `deleted ${r.removed.length} backups older than 90 days: ${r.removed.join(", ")}` : "no backup older than 90 days to delete");
  }
  code = 0;
} catch (err) {
  // Only the message: a database client error can carry its connection settings.
  console.error(`${restoring ? "restore" : "backup"}: ${(err as Error).message}`);
  code = err instanceof BackupError && err.usage ? 2 : 1;
} finally {
  await started?.stop().catch(() => {});
}
process.exit(code);
