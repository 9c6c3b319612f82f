import { beforeAll, describe, expect, test } from "bun:test";
import { sql } from "kysely";
import type { App } from "../../../src/app.tsx";
import type { Ctx } from "../../../src/domain/context.ts";
import { ExportDocument } from "../../../src/domain/privacy/export-format.ts";
import { runExport } from "../../../src/domain/privacy/export-job.ts";
import { CHUNK_CHARS, pinned } from "../../../src/domain/privacy/export-writer.ts";
import { exportPersonLater, getExport, purgeExpiredExports, requestPersonalExport, requestWorkspaceExport } from "../../../src/domain/privacy/exports.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import { inTenant } from "../../routes/privacy/export-support.ts";

const t = useTestDatabase();
const BASE = "http://localhost:3000";
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db });
});

const pools = () => ({ app: t.db.app, owner: t.db.owner });
const ctxOf = (a: Account, role: "owner" | "member" | null = "owner"): Ctx => ({
  db: t.db.app,
  tenantId: role ? a.tenantId : null,
  actor: { type: "user", id: a.user.id, label: a.user.name, role },
  now: new Date(),
  ip: null,
  userAgent: null,
});
const jobOf = (a: Account, exportId: string, tenant = true) => ({ exportId, tenantId: tenant ? a.tenantId : null, userId: a.user.id, baseUrl: BASE });

/** The stored file, chunks concatenated in order, as the download serves it. */
async function storedFile(exportId: string): Promise<{ text: string; sizes: number[]; seqs: number[] }> {
  const chunks = await t.su<{ seq: number; data: Uint8Array }[]>`select seq, data from data_export_chunks where export_id = ${exportId} order by seq`;
  const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
  return { text: bytes.toString("utf8"), sizes: chunks.map((c) => c.data.byteLength), seqs: chunks.map((c) => c.seq) };
}

describe("export files", () => {
  test("a table of several pages exports every row once, in key order, cut into ~1 MB chunks that join into a valid document", async () => {
    const a = await createAccount(t, app);
    const now = new Date();
    const contactId = Bun.randomUUIDv7();
    await inTenant(t, a.tenantId, async (db) => {
      await db.insertInto("contacts").values({ tenant_id: a.tenantId, id: contactId, first_name: "Many", created_at: now, updated_at: now }).execute();
      await sql`insert into notes (tenant_id, id, body, contact_id, created_at, updated_at)
        select ${a.tenantId}::uuid, gen_random_uuid(), 'note ' || g || ' ' || repeat('é', 300), ${contactId}::uuid, now(), now() from generate_series(1, 2500) g`.execute(db);
    });
    const id = await requestWorkspaceExport(ctxOf(a), { baseUrl: BASE });
    expect(await runExport(pools(), jobOf(a, id), () => now)).toBe("done");
    const file = await storedFile(id);
    expect(file.sizes.length).toBeGreaterThanOrEqual(2);
    expect(file.seqs).toEqual(file.sizes.map((_, i) => i));
    for (const size of file.sizes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(CHUNK_CHARS);
    const doc = ExportDocument.parse(JSON.parse(file.text));
    const ids = doc.tables.notes!.map((r) => r.id as string);
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    expect([...ids].sort()).toEqual(ids);
    expect(doc.tables.notes![0]!.body).toContain("é");
    const row = await getExport(ctxOf(a), id);
    expect({ status: row.status, done: row.rows_done, total: row.rows_total, size: Number(row.size_bytes) }).toEqual({
      status: "done",
      done: row.rows_total!,
      total: row.rows_total!,
      size: file.sizes.reduce((x, y) => x + y, 0),
    });
  });

  test("rows that carry files are read a few megabytes at a time, and every file arrives whole", async () => {
    const a = await createAccount(t, app);
    const now = new Date();
    const contactId = Bun.randomUUIDv7();
    const files = Array.from({ length: 7 }, (_, i) => crypto.getRandomValues(new Uint8Array(1024 * 1024 + i)));
    await inTenant(t, a.tenantId, async (db) => {
      await db.insertInto("contacts").values({ tenant_id: a.tenantId, id: contactId, first_name: "Files", created_at: now, updated_at: now }).execute();
      for (const [i, data] of files.entries()) {
        await db
          .insertInto("attachments")
          .values({ tenant_id: a.tenantId, id: Bun.randomUUIDv7(), filename: `f${i}.bin`, content_type: "application/octet-stream", size_bytes: data.length, sha256: new Uint8Array(32), data, contact_id: contactId, created_at: now })
          .execute();
      }
    });
    const id = await requestWorkspaceExport(ctxOf(a), { baseUrl: BASE });
    await runExport(pools(), jobOf(a, id), () => now);
    const doc = ExportDocument.parse(JSON.parse((await storedFile(id)).text));
    const got = doc.tables.attachments!.map((r) => new Uint8Array(Buffer.from(r.data as string, "base64")));
    expect(got).toEqual(files);
  });

  test("a retried export starts its file again, and a finished one is neither rebuilt nor emailed twice", async () => {
    const a = await createAccount(t, app);
    const now = new Date();
    const id = await requestPersonalExport(ctxOf(a, null), { baseUrl: BASE });
    // An earlier attempt died half-way: running, with a stray chunk.
    await t.su`update data_exports set status = 'running', rows_done = 5 where id = ${id}`;
    await t.su`insert into data_export_chunks (export_id, seq, user_id, data) values (${id}, 7, ${a.user.id}, ${new TextEncoder().encode("garbage")})`;
    expect(await runExport(pools(), jobOf(a, id, false), () => now)).toBe("done");
    const file = await storedFile(id);
    expect(file.seqs).toEqual(file.sizes.map((_, i) => i));
    expect(ExportDocument.parse(JSON.parse(file.text)).kind).toBe("personal");
    expect(await runExport(pools(), jobOf(a, id, false), () => now)).toBe("skipped");
    const mails = await t.su`select count(*)::int as n from emails where idempotency_key = ${`export-ready:${id}`}`;
    expect(mails[0]!.n).toBe(1);
  });

  test("an export that fails on its last attempt is marked failed, keeps no partial file, and can be asked for again", async () => {
    const a = await createAccount(t, app);
    const now = new Date();
    const contactId = Bun.randomUUIDv7();
    await inTenant(t, a.tenantId, (db) => db.insertInto("contacts").values({ tenant_id: a.tenantId, id: contactId, first_name: "Gone", created_at: now, updated_at: now }).execute());
    const id = await exportPersonLater(ctxOf(a), { kind: "contact", id: contactId }, { baseUrl: BASE });
    // Asking again while it waits returns the same export.
    expect(await exportPersonLater(ctxOf(a), { kind: "contact", id: contactId })).toBe(id);
    await inTenant(t, a.tenantId, (db) => db.deleteFrom("contacts").where("id", "=", contactId).execute());
    await expect(runExport(pools(), jobOf(a, id), () => now)).rejects.toThrow();
    expect(await runExport(pools(), jobOf(a, id), () => now, { lastAttempt: true })).toBe("failed");
    const row = await getExport(ctxOf(a), id);
    expect(row.status).toBe("failed");
    expect(row.error).toContain("could not be built");
    expect((await storedFile(id)).sizes).toEqual([]);
    const [ev] = await t.su`select action from audit_events where target_id = ${id} order by seq desc limit 1`;
    expect(ev!.action).toBe("export.failed");
  });

  test("workspace and person exports need the right role; a member gets Forbidden", async () => {
    const a = await createAccount(t, app);
    await expect(requestWorkspaceExport(ctxOf(a, "member"))).rejects.toMatchObject({ status: 403 });
    await expect(exportPersonLater(ctxOf(a, "member"), { kind: "contact", id: Bun.randomUUIDv7() })).rejects.toMatchObject({ status: 403 });
    await expect(exportPersonLater(ctxOf(a), { kind: "lead", id: Bun.randomUUIDv7() })).rejects.toMatchObject({ status: 404 });
  });
});

describe("export storage under row-level security", () => {
  test("a personal export is visible only with its user pinned: not with nothing pinned, not to another user, not from a workspace", async () => {
    const a = await createAccount(t, app);
    const b = await createAccount(t, app);
    const id = await requestPersonalExport(ctxOf(a, null));
    const count = (pin: { tenantId: string | null; userId: string | null }) =>
      pinned(t.db.app, pin, async (trx) => (await sql<{ n: number }>`select count(*)::int as n from data_exports where id = ${id}`.execute(trx)).rows[0]!.n);
    expect(await count({ tenantId: null, userId: a.user.id })).toBe(1);
    expect(await count({ tenantId: null, userId: null })).toBe(0);
    expect(await count({ tenantId: null, userId: b.user.id })).toBe(0);
    expect(await count({ tenantId: a.tenantId, userId: null })).toBe(0);
    expect((await sql<{ n: number }>`select count(*)::int as n from data_exports`.execute(t.db.app)).rows[0]!.n).toBe(0);
    // Nobody can file a personal export, or a chunk of one, under someone else's name.
    const forge = await pinned(t.db.app, { tenantId: null, userId: b.user.id }, (trx) =>
      sql`insert into data_exports (id, kind, user_id, created_at) values (${Bun.randomUUIDv7()}, 'personal', ${a.user.id}, now())`.execute(trx),
    ).catch((e) => e);
    expect(forge.code).toBe("42501");
    await expect(getExport(ctxOf(b, null), id)).rejects.toMatchObject({ status: 404 });
  });

  test("the daily job deletes expired files, the partial files of failed exports after a day, and settled records after 30 days", async () => {
    const a = await createAccount(t, app);
    const now = new Date();
    const id = await requestPersonalExport(ctxOf(a, null), { baseUrl: BASE });
    await runExport(pools(), jobOf(a, id, false), () => now);
    const chunks = async () => (await t.su`select count(*)::int as n from data_export_chunks where export_id = ${id}`)[0]!.n;
    const status = async () => (await t.su`select status from data_exports where id = ${id}`)[0]?.status ?? "deleted";
    // Other tests' exports share this database: only this export's fate is checked.
    await purgeExpiredExports(t.db.owner, new Date(now.getTime() + 6 * 86_400_000));
    expect({ status: await status(), chunks: await chunks() }).toMatchObject({ status: "done" });
    expect(await chunks()).toBeGreaterThan(0);
    await purgeExpiredExports(t.db.owner, new Date(now.getTime() + 7 * 86_400_000));
    expect({ status: await status(), chunks: await chunks() }).toEqual({ status: "expired", chunks: 0 });
    await purgeExpiredExports(t.db.owner, new Date(now.getTime() + 8 * 86_400_000));
    expect(await status()).toBe("expired");
    await purgeExpiredExports(t.db.owner, new Date(now.getTime() + 31 * 86_400_000));
    expect(await status()).toBe("deleted");
    expect((await t.su`select count(*)::int as n from data_exports where id = ${id}`)[0]!.n).toBe(0);
  });
});
