import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { dataMap } from "../../../src/domain/datamap.ts";
import { BackupError, findPgTools, pruneBackups, restoreBackup, serverMajor, takeBackup, type PgTools } from "../../../src/domain/privacy/backups.ts";
import { newPseudonym, planErasure, readCatalogue, runErasure } from "../../../src/domain/privacy/erasure-engine.ts";
import { runWorkspacePurge } from "../../../src/domain/privacy/workspace-purge.ts";
import { useTestDatabase } from "../../support/db.ts";
import { nonZero, readyForPurge, rowsOf, seedWorkspace, type Seeded } from "./workspace-purge-support.ts";

// P24 end to end with the real pg_dump and pg_restore (scripts/pg-client.sh builds them where the distribution has
// none for this server; CI always does, so there these tests run, never skip).
const ROOT = join(import.meta.dir, "../../..");
const t = useTestDatabase();
const dir = mkdtempSync(join(tmpdir(), "steward-backups-"));
let url: string;

const superUrlFor = (database: string) => {
  const u = new URL(process.env.STEWARD_TEST_SUPER_URL!);
  u.pathname = `/${database}`;
  return u.toString();
};

// Found once, for the whole file; without them the tests skip and say why, except in CI where they fail.
let tools: PgTools | null = null;
let missing = "";
try {
  tools = await findPgTools(await serverMajor(process.env.STEWARD_TEST_SUPER_URL!), ROOT);
} catch (err) {
  missing = (err as Error).message;
  if (!process.env.CI) console.warn(`backups: skipped: ${missing}`);
}

beforeAll(() => {
  url = superUrlFor(t.name);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  // The databases a restore set aside.
  const admin = postgres(superUrlFor("postgres"), { max: 1, onnotice: () => {} });
  for (const r of await admin<{ datname: string }[]>`select datname from pg_database where datname like ${t.name + "\\_%"}`) {
    await admin.unsafe(`drop database if exists ${r.datname} with (force)`);
  }
  await admin.end();
});

const runIt = (name: string, fn: () => Promise<void>, timeout = 60_000) =>
  (tools || !process.env.CI ? test.skipIf(!tools) : test)(name, async () => {
    if (!tools) throw new Error(missing);
    await fn();
  }, timeout);

/** Rows of a workspace in any data-map table that still link to a user (by any user-kind subject column). */
async function linksTo(tenantId: string, userId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of dataMap) {
    if (!e.tenantColumn || e.tenantColumn === "id") continue;
    for (const s of e.subjects.filter((x) => x.kind === "user")) {
      const [r] = await t.su<{ n: number }[]>`select count(*)::int as n from ${t.su(e.table)} where ${t.su(e.tenantColumn)} = ${tenantId} and ${t.su(s.column)}::text = ${userId}`;
      if (r!.n) out[`${e.table}.${s.column}`] = r!.n;
    }
  }
  return out;
}

const ledgerCount = async () => (await t.su<{ n: number }[]>`select count(*)::int as n from deletion_ledger`)[0]!.n;
const contactIds = async (tenantId: string) => (await t.su<{ id: string }[]>`select id::text from contacts where tenant_id = ${tenantId} order by id`).map((r) => r.id);

describe("backups and the deletion ledger", () => {
  let kept: Seeded;
  let gone: Seeded;

  beforeAll(async () => {
    kept = await seedWorkspace(t, "keeps");
    gone = await seedWorkspace(t, "goes");
  });

  runIt("P24 a restore brings the backup back and replays every erasure and purge made since, from the ledger, then swaps databases", async () => {
    const [erased, survivor] = await contactIds(kept.tenantId);
    const [person] = await t.su<{ emails: string[] }[]>`select emails from contacts where id = ${erased!}`;
    expect(Object.keys(await linksTo(kept.tenantId, kept.userId)).length).toBeGreaterThan(0);
    const oldFile = join(dir, "steward-20300101T000000Z.dump");
    writeFileSync(oldFile, "an old backup");

    const b = await takeBackup({ url, dir, now: new Date("2031-05-01T02:00:00Z"), tools: tools! });
    expect(b.file).toBe(join(dir, "steward-20310501T020000Z.dump"));
    expect(b.bytes).toBeGreaterThan(10_000);
    expect(b.removed).toEqual(["steward-20300101T000000Z.dump"]);
    expect(readdirSync(dir).sort()).toEqual(["steward-20310501T020000Z.dump", "steward-20310501T020000Z.ledger.json"]);

    // After the backup: a contact erased (P23), the workspace owner's authorship in it pseudonymised (P15's
    // eraser), another workspace purged (P16), and a contact created that the backup never saw.
    const now = new Date("2031-05-02T12:00:00Z");
    const cat = await readCatalogue(t.db.owner);
    await inTransaction(systemCtx(t.db.owner, now, kept.tenantId), async (tx) => {
      await runErasure(tx, kept.tenantId, planErasure(cat, new Set(["contact", "lead", "email"]), "person", "tenant"), { userIds: [], contactIds: [erased!], leadIds: [], emails: person!.emails.map((e) => e.toLowerCase()) }, {
        mode: "person", pseudonym: newPseudonym(), requestId: null, ledgerSubject: { kind: "contact", ids: [erased!] },
      });
      await runErasure(tx, kept.tenantId, planErasure(cat, new Set(["user"]), "user", "tenant"), { userIds: [kept.userId], contactIds: [], leadIds: [], emails: [] }, {
        mode: "user", pseudonym: newPseudonym(), requestId: null, ledgerSubject: { kind: "user", ids: [kept.userId] },
      });
    });
    await readyForPurge(t, gone.tenantId);
    expect((await runWorkspacePurge({ app: t.db.app, owner: t.db.owner }, () => now, gone.tenantId, "cancelled")).outcome).toBe("purged");
    const [late] = await t.su<{ id: string }[]>`insert into contacts (tenant_id, id, first_name, last_name, created_at, updated_at)
      values (${kept.tenantId}, uuidv7(), 'Late', 'Comer', now(), now()) returning id::text`;
    const ledgerRows = await ledgerCount();
    expect(await linksTo(kept.tenantId, kept.userId)).toEqual({});

    const r = await restoreBackup({ url, file: b.file, dir, now: new Date("2031-05-03T09:30:00Z"), tools: tools! });
    expect(r.database).toBe(t.name);
    expect(r.keptAs).toBe(`${t.name}_before_restore_20310503t093000z`);
    expect(r.replay.unmatched).toEqual([]);
    expect(r.replay.entries).toBeGreaterThan(3);
    expect(r.replay.rows).toBeGreaterThan(3);

    // Now the database is the backup's: the late contact is not there, the survivor is; the erased person, the
    // owner's authorship and the purged workspace are gone again; the ledger is whole.
    const ids = await contactIds(kept.tenantId);
    expect(ids).toContain(survivor!);
    expect(ids).not.toContain(late!.id);
    expect(ids).not.toContain(erased!);
    expect(await linksTo(kept.tenantId, kept.userId)).toEqual({});
    expect(nonZero(await rowsOf(t, gone.tenantId))).toEqual({});
    const after = await ledgerCount();
    expect(after).toBe(ledgerRows);
    // The app's own pools reconnect to the restored database by name.
    const [again] = await t.db.owner.selectFrom("contacts").select("id").where("id", "=", survivor!).execute();
    expect(again?.id).toBe(survivor!);
    // The replaced database is kept, closed to connections.
    const [old] = await t.su<{ allow: boolean }[]>`select datallowconn as allow from pg_database where datname = ${r.keptAs!}`;
    expect(old?.allow).toBe(false);
  }, 120_000);

  runIt("P24 a file that is not a backup is refused before anything changes", async () => {
    const bogus = join(dir, "not-a-dump.dump");
    writeFileSync(bogus, "hello");
    const before = await contactIds(kept.tenantId);
    const err = await restoreBackup({ url, file: bogus, dir, now: new Date(), tools: tools! }).catch((e) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toContain("is not a backup pg_restore can read");
    expect(await contactIds(kept.tenantId)).toEqual(before);
    const [restoring] = await t.su`select 1 from pg_database where datname = ${t.name + "_restoring"}`;
    expect(restoring).toBeUndefined();
  });
});

describe("the 90 days", () => {
  test("P24 pruning deletes backups (and their ledger files) older than 90 days by the time in their name, and nothing else", async () => {
    const d = mkdtempSync(join(tmpdir(), "steward-prune-"));
    const names = [
      "steward-20310101T000000Z.dump", "steward-20310101T000000Z.ledger.json", // 120 days before
      "steward-20310131T000001Z.dump", // just inside 90 days
      "steward-20310420T000000Z.dump", "steward-20310420T000000Z.ledger.json",
      "notes.txt", "steward-latest.dump",
    ];
    for (const n of names) writeFileSync(join(d, n), "x");
    const removed = await pruneBackups(d, new Date("2031-05-01T00:00:00Z"));
    expect(removed).toEqual(["steward-20310101T000000Z.dump"]);
    expect(readdirSync(d).sort()).toEqual(names.slice(2).sort());
    rmSync(d, { recursive: true, force: true });
  });
});

describe("the commands", () => {
  const cli = (args: string[], env: Record<string, string>) => {
    const p = Bun.spawnSync([process.execPath, "run", ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: "test", ...env }, stdout: "pipe", stderr: "pipe" });
    // bun run echoes the script's command line on stderr; the rest of stderr is the command's own.
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString().replace(/^\$ bun src\/backup\.ts.*\n/, "") };
  };

  runIt("P24 `bun run backup` then `bun run restore <file>` work as the README says, and say what is wrong otherwise", async () => {
    const d = mkdtempSync(join(tmpdir(), "steward-cli-"));
    const env = { DATABASE_URL: t.urls.ownerUrl, BACKUP_DATABASE_URL: url, BACKUP_DIR: d };
    const b = cli(["backup"], env);
    expect(b.err).toBe("");
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^backup written: .*steward-\d{8}T\d{6}Z\.dump \([\d.]+ MB, \d+ ledger entries, pg_dump \(PostgreSQL\) \d+/);
    const file = join(d, readdirSync(d).find((n) => n.endsWith(".dump"))!);
    const r = cli(["restore", file], env);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`restored ${file} into ${t.name}; the database it replaced is kept, closed, as ${t.name}_before_restore_`);
    expect(r.out).toMatch(/deletion ledger: \d+ entries known, 0 replayed/);

    const noRole = cli(["backup"], { DATABASE_URL: t.urls.ownerUrl, BACKUP_DATABASE_URL: "", BACKUP_DIR: d });
    expect(noRole.code).toBe(2);
    expect(noRole.err).toContain("set BACKUP_DATABASE_URL too");
    const noFile = cli(["restore"], env);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("usage: bun run restore <backup file>");
    const wrongFile = cli(["restore", join(d, "nope.dump")], env);
    expect(wrongFile.code).toBe(2);
    expect(wrongFile.err).toContain("nope.dump: no such file");
    rmSync(d, { recursive: true, force: true });
  }, 120_000);
});
