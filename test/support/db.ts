import { afterAll, beforeAll } from "bun:test";
import postgres from "postgres";
import { connect, type Db, type DbUrls } from "../../src/domain/db.ts";
import { APP_ROLE, OWNER_ROLE } from "../../src/domain/embedded.ts";

export interface TestDatabase {
  name: string;
  urls: DbUrls;
  db: Db;
  /** A superuser connection to this database, for inspecting what the app roles cannot see. */
  su: postgres.Sql;
}

function urlFor(role: string, password: string, database: string) {
  const u = new URL(process.env.STEWARD_TEST_SUPER_URL!);
  u.username = role;
  u.password = password;
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh database cloned from the migrated template, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(process.env.STEWARD_TEST_SUPER_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${process.env.STEWARD_TEST_TEMPLATE} owner ${OWNER_ROLE}`);
  await admin.end();
  const urls = {
    ownerUrl: urlFor(OWNER_ROLE, process.env.STEWARD_TEST_OWNER_PASSWORD!, name),
    appUrl: urlFor(APP_ROLE, process.env.STEWARD_TEST_APP_PASSWORD!, name),
  };
  const suUrl = new URL(process.env.STEWARD_TEST_SUPER_URL!);
  suUrl.pathname = `/${name}`;
  return { name, urls, db: connect(urls, { poolSize: 4 }), su: postgres(suUrl.toString(), { max: 2, onnotice: () => {} }) };
}

export async function dropTestDatabase(t: TestDatabase) {
  await t.db.close();
  await t.su.end();
  const admin = postgres(process.env.STEWARD_TEST_SUPER_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${t.name} with (force)`);
  await admin.end();
}

/** Registers a database for the current test file; read its fields inside tests. */
export function useTestDatabase(): TestDatabase {
  const holder = {} as TestDatabase;
  beforeAll(async () => Object.assign(holder, await createTestDatabase()));
  afterAll(async () => dropTestDatabase(holder));
  return holder;
}
