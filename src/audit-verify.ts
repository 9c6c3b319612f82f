// `bun run audit:verify`: walks every workspace's audit chain (and the account-event chain) and reports the
// first broken link. Uses DATABASE_URL (the owner connection) when set; otherwise starts the embedded database
// under DATA_DIR as `bun run start` does, which refuses while a running Steward holds it (stop it, or point
// DATABASE_URL at it). Exit code: 0 intact, 1 broken, 2 could not check.
import { loadConfig } from "./config.ts";
import { verifyAuditChains } from "./domain/audit/verify.ts";
import { connect, type Db } from "./domain/db.ts";
import { startEmbedded, type EmbeddedServer } from "./domain/embedded.ts";

const config = loadConfig();
let embedded: EmbeddedServer | null = null;
let db: Db | null = null;
let code = 2;
try {
  let ownerUrl = config.DATABASE_URL;
  if (!ownerUrl) {
    embedded = await startEmbedded({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT });
    ownerUrl = embedded.ownerUrl;
  }
  // Only the owner pool is used: the app role cannot read other workspaces' events, nor account events.
  db = connect({ ownerUrl, appUrl: ownerUrl }, { poolSize: 2 });
  const r = await verifyAuditChains(db.owner);
  if (r.ok) {
    console.log(`audit chain ok: ${r.checked} events in ${r.chains} chains`);
    code = 0;
  } else {
    console.log(`audit chain broken at workspace ${r.tenantId ?? "(account events)"}, seq ${r.seq}: ${r.reason}`);
    code = 1;
  }
} catch (err) {
  // Only the message: a database client error can carry its connection settings.
  const missing = (err as { code?: string }).code === "42P01" ? " (is the database migrated? `bun run migrate`)" : "";
  console.error(`audit:verify: could not check the audit trail: ${(err as Error).message}${missing}`);
} finally {
  await db?.close().catch(() => {});
  await embedded?.stop().catch(() => {});
}
process.exit(code);
