// Runs once per `bun test`: one PostgreSQL for the whole run, and a migrated template database that every test
// file clones (CREATE DATABASE … TEMPLATE takes ~15 ms on tmpfs).
import { afterAll } from "bun:test";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { OWNER_ROLE, ensureRoles, freeLowPort, startEmbedded, type EmbeddedServer } from "../../src/domain/embedded.ts";
import { migrate } from "../../src/domain/migrate.ts";

const TEMPLATE = "steward_template";

function withDatabase(url: string, role: string, password: string, database: string) {
  const u = new URL(url);
  u.username = role;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

let embedded: EmbeddedServer | null = null;
let dataDir: string | null = null;
let superUrl: string;
const passwords = { ownerPassword: "owner-" + crypto.randomUUID(), appPassword: "app-" + crypto.randomUUID() };

if (process.env.DATABASE_URL) {
  // An existing server: DATABASE_URL must be allowed to create roles and databases (a superuser in CI setups).
  superUrl = process.env.DATABASE_URL;
} else {
  dataDir = `/dev/shm/steward-test-${process.pid}`;
  rmSync(dataDir, { recursive: true, force: true });
  const port = freeLowPort();
  embedded = await startEmbedded({ dataDir, port, ephemeral: true });
  superUrl = embedded.superUrl;
}

const su = postgres(superUrl, { max: 1, onnotice: () => {} });
await ensureRoles(su, passwords);
await su.unsafe(`drop database if exists ${TEMPLATE} with (force)`);
await su.unsafe(`create database ${TEMPLATE} owner ${OWNER_ROLE}`);
await migrate(withDatabase(superUrl, OWNER_ROLE, passwords.ownerPassword, TEMPLATE));
await su.end();

process.env.STEWARD_TEST_SUPER_URL = superUrl;
process.env.STEWARD_TEST_TEMPLATE = TEMPLATE;
process.env.STEWARD_TEST_OWNER_PASSWORD = passwords.ownerPassword;
process.env.STEWARD_TEST_APP_PASSWORD = passwords.appPassword;

afterAll(async () => {
  // bun test fires neither `exit` nor `beforeExit`: stop Postgres here or it outlives the run.
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
