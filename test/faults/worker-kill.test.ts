import { beforeAll, describe, expect, test } from "bun:test";
import { systemCtx, type Ctx } from "../../src/domain/context.ts";
import { saveMapping, startImport, uploadImport } from "../../src/domain/crm/imports.ts";
import { requestWorkspaceExport } from "../../src/domain/privacy/exports.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";
import { bulkRows, seedWorkspace } from "../domain/privacy/workspace-purge-support.ts";
import { killHard, useProcesses, waitFor } from "./processes.ts";

// Issue 10, item 6: a worker killed with SIGKILL in the middle of a job. graphile-worker alone would keep the job
// locked for four hours; the next worker sees the dead worker's connection gone, releases the job, and the job
// resumes (the import after its last committed batch, the export from scratch) and finishes with the right result.

const t = useTestDatabase();
const { start } = useProcesses();
const worker = () => start(["--worker"], { DATABASE_URL: t.urls.ownerUrl, APP_DATABASE_URL: t.urls.appUrl });
let acc: Account;

const ctxOf = (a: Account): Ctx => ({ db: t.db.app, tenantId: a.tenantId, actor: { type: "user", id: a.user.id, label: a.user.name, role: "owner" }, now: new Date(), ip: null, userAgent: null });
const locked = async (key: string) => (await t.su`select 1 from graphile_worker._private_jobs where key = ${key} and locked_at is not null`).length > 0;
/** A job stays in graphile-worker's table until it succeeds. */
const jobLeft = async (key: string) => (await t.su`select 1 from graphile_worker._private_jobs where key = ${key}`).length > 0;

beforeAll(async () => {
  acc = await createAccount(t, testApp({ db: t.db }));
});

describe("a worker killed with kill -9", () => {
  test("mid-way through a 20,000-row contact import: a new worker finishes it with exactly the right counts and no duplicate contact", async () => {
    // 1,000 contacts exist already; every 20th row updates one of them, the row after it is invalid, the rest are new.
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, emails, created_at, updated_at)
      select ${acc.tenantId}::uuid, uuidv7(), 'Old', 'Contact ' || g, array['existing' || g || '@example.com'], now(), now() from generate_series(0, 999) g`;
    const lines = ["First name,Last name,Email"];
    for (let i = 0; i < 20_000; i++) {
      if (i % 20 === 0) lines.push(`Updated,Contact ${i / 20},existing${i / 20}@example.com`);
      else if (i % 20 === 1) lines.push(`Bad,Row ${i},not-an-email`);
      else lines.push(`New,Person ${i},new${i}@example.com`);
    }
    const id = await uploadImport(ctxOf(acc), "contact", new File([lines.join("\n")], "contacts.csv", { type: "text/csv" }));
    await saveMapping(ctxOf(acc), id, { col_0: "first_name", col_1: "last_name", col_2: "emails" });
    await startImport(ctxOf(acc), id);
    const progress = async () => (await t.su<{ status: string; processed_rows: number; total_rows: number | null; created_count: number; updated_count: number; skipped_count: number }[]>`
      select status, processed_rows, total_rows, created_count, updated_count, skipped_count from crm_imports where id = ${id}`)[0]!;

    const first = await worker();
    await waitFor("the import to be part-way", async () => (await progress()).processed_rows > 0, 20_000, 5);
    await killHard(first);
    const midway = await progress();
    expect(midway.status).toBe("running");
    expect(midway.processed_rows).toBeLessThan(20_000);
    expect(await locked(`crm-import:${id}`)).toBe(true);

    const second = await worker();
    await waitFor("the import to finish", async () => (await progress()).status !== "running", 30_000, 50);
    second.proc.kill("SIGTERM");
    await second.proc.exited;

    expect(await progress()).toEqual({ status: "done", processed_rows: 20_000, total_rows: 20_000, created_count: 18_000, updated_count: 1_000, skipped_count: 1_000 });
    const [counts] = await t.su<{ contacts: number; emails: number; updated: number }[]>`
      select count(*)::int as contacts, count(distinct emails[1])::int as emails, count(*) filter (where first_name = 'Updated')::int as updated
      from contacts where tenant_id = ${acc.tenantId}`;
    expect(counts).toEqual({ contacts: 19_000, emails: 19_000, updated: 1_000 });
    const [rejected] = await t.su<{ lines: number }[]>`select array_length(string_to_array(trim(trailing E'\r\n' from convert_from(rejected, 'UTF8')), E'\r\n'), 1) as lines from crm_imports where id = ${id}`;
    expect(rejected!.lines).toBe(1_001);
    expect(await jobLeft(`crm-import:${id}`)).toBe(false);
  }, 60_000);

  test("mid-way through a workspace export: a new worker builds the file again, complete and valid JSON with every row, and sends one email", async () => {
    const ws = await seedWorkspace(t, "exported");
    await bulkRows(t, ws, 20_000);
    const ctx: Ctx = { ...systemCtx(t.db.app, new Date(), ws.tenantId), actor: { type: "user", id: ws.userId, label: "Demo User", role: "owner" } };
    const id = await requestWorkspaceExport(ctx);
    const state = async () => (await t.su<{ status: string; rows_done: number; rows_total: number | null }[]>`select status, rows_done, rows_total from data_exports where id = ${id}`)[0]!;

    const first = await worker();
    await waitFor("the export to be part-way", async () => (await state()).rows_done > 0, 20_000, 5);
    await killHard(first);
    expect((await state()).status).toBe("running");
    const [chunks] = await t.su<{ n: number }[]>`select count(*)::int as n from data_export_chunks where export_id = ${id}`;
    expect(chunks!.n).toBeGreaterThan(0);
    expect(await locked(`privacy-export:${id}`)).toBe(true);

    const second = await worker();
    await waitFor("the export to finish", async () => (await state()).status !== "running", 30_000, 50);
    second.proc.kill("SIGTERM");
    await second.proc.exited;

    const done = await state();
    expect(done.status).toBe("done");
    const parts = await t.su<{ data: Buffer }[]>`select data from data_export_chunks where export_id = ${id} order by seq`;
    const doc = JSON.parse(Buffer.concat(parts.map((p) => p.data)).toString("utf8")) as { tables: Record<string, unknown[]> };
    const rows = Object.values(doc.tables).reduce((n, r) => n + r.length, 0);
    expect(rows).toBe(done.rows_done);
    expect(doc.tables.activities!.length).toBe(Number((await t.su`select count(*) from activities where tenant_id = ${ws.tenantId}`)[0]!.count));
    const ids = new Set((doc.tables.contacts as { id: string }[]).map((c) => c.id));
    expect(ids.size).toBe(doc.tables.contacts!.length);
    const [mail] = await t.su<{ n: number }[]>`select count(*)::int as n from emails where idempotency_key = ${`export-ready:${id}`}`;
    expect(mail!.n).toBe(1);
    expect(await jobLeft(`privacy-export:${id}`)).toBe(false);
  }, 60_000);
});
