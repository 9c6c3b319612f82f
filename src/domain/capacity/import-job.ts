import { CsvError, parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { Readable } from "node:stream";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Actor, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { csvOptions } from "../crm/csv-files.ts";
import { spreadsheetSafe } from "../crm/exports.ts";
import { AGENT_COLUMNS, checkAgentRow, checkVolumeRow, headerIndex, VOLUME_COLUMNS, type AgentRow, type VolumeRow } from "./import-rows.ts";

// The capacity-import job: reads the stored CSV and writes it a batch at a time. Each batch's rows and the import's
// counters commit together, so a job that dies resumes after the last committed batch and counts nothing twice.
// Volumes go 1,000 rows to one `insert … on conflict do update` (a year of 15-minute intervals is 36 statements).

export const VOLUME_BATCH = 1000;
export const AGENT_BATCH = 200;
export const MAX_ROWS = 2_000_000;

/** Another run moved the import on (or finished it): this run stops without touching it. */
class Superseded extends Error {}

interface Job {
  id: string;
  kind: "volumes" | "agents";
  programId: string | null;
  intervalMinutes: number;
  delimiter: string;
  hasBom: boolean;
  header: string[];
  totalRows: number | null;
  processedRows: number;
}

function records(file: Uint8Array, delimiter: string): AsyncIterable<string[]> {
  const chunks = function* () {
    for (let i = 0; i < file.byteLength; i += 1 << 16) yield Buffer.from(file.buffer, file.byteOffset + i, Math.min(1 << 16, file.byteLength - i));
  };
  return Readable.from(chunks()).pipe(parse(csvOptions(delimiter)));
}

interface Outcome {
  created: number;
  updated: number;
  rejected: string[][];
}

/** Runs one import (the capacity-import job). Safe to retry. */
export async function runCapacityImport(db: DB, tenantId: string, importId: string, clock: () => Date, opts: { lastAttempt: boolean }): Promise<void> {
  const base = systemCtx(db, clock(), tenantId);
  const found = await inTransaction(base, (tx) =>
    tx.db
      .selectFrom("capacity_imports as i")
      .leftJoin("capacity_programs as p", (j) => j.onRef("p.tenant_id", "=", "i.tenant_id").onRef("p.id", "=", "i.program_id"))
      .leftJoin("users as u", "u.id", "i.created_by")
      .select(["i.id", "i.kind", "i.program_id", "p.interval_minutes", "i.delimiter", "i.has_bom", "i.header", "i.total_rows", "i.processed_rows", "i.status", "i.file", "i.created_by", "u.name as user_name"])
      .where("i.tenant_id", "=", tenantId)
      .where("i.id", "=", importId)
      .executeTakeFirst(),
  );
  if (!found || (found.status !== "queued" && found.status !== "running")) return;
  const job: Job = {
    id: found.id, kind: found.kind, programId: found.program_id, intervalMinutes: found.interval_minutes ?? 15, delimiter: found.delimiter,
    hasBom: found.has_bom, header: found.header, totalRows: found.total_rows, processedRows: found.processed_rows,
  };
  // The job acts for the member who uploaded the file: audit events name them.
  const actor: Actor = found.created_by ? { type: "user", id: found.created_by, label: found.user_name } : base.actor!;
  const ctx = (): Ctx => ({ ...base, actor, now: clock() });
  try {
    if (job.totalRows === null) {
      let total = -1;
      for await (const _ of records(found.file, job.delimiter)) total++;
      if (total > MAX_ROWS) return await finish(ctx(), job, "failed", `The file has ${total} rows; at most ${MAX_ROWS} can be imported at once. Split it and import each part.`);
      await inTransaction(ctx(), (tx) => tx.db.updateTable("capacity_imports").set({ status: "running", total_rows: Math.max(total, 0), started_at: tx.now }).where("tenant_id", "=", tenantId).where("id", "=", importId).execute());
    }
    if (job.kind === "volumes") await importVolumes(ctx, job, found.file);
    else await importAgents(ctx, job, found.file);
    await finish(ctx(), job, "done", null);
  } catch (err) {
    if (err instanceof Superseded) return;
    const csv = err instanceof CsvError;
    if (!csv && !opts.lastAttempt) throw err;
    const message = csv ? `The file could not be read: ${(err as Error).message}`.slice(0, 500) : "The import stopped after repeated errors. The rows imported before that were kept.";
    await finish(ctx(), job, "failed", message);
    if (!csv) throw err;
  }
}

async function finish(ctx: Ctx, job: Job, outcome: "done" | "failed", error: string | null): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const r = await tx.db
      .updateTable("capacity_imports")
      .set({ status: outcome, error, finished_at: tx.now })
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", job.id)
      .where("status", "in", ["queued", "running"])
      .returning(["total_rows", "processed_rows", "created_count", "updated_count", "rejected_count"])
      .executeTakeFirst();
    if (r) await audit(tx, "import.finished", { type: "capacity_import", id: job.id }, { kind: job.kind, program_id: job.programId, outcome, ...r });
  });
}

/** Feeds the file's rows after the header to `batch` in slices, skipping the rows an earlier run committed. */
async function inBatches(job: Job, file: Uint8Array, size: number, each: (rows: string[][], start: number) => Promise<void>, skipped: (row: string[]) => void = () => {}) {
  let done = job.processedRows;
  let seen = -1;
  let batch: string[][] = [];
  for await (const record of records(file, job.delimiter)) {
    if (seen++ < 0) continue;
    if (seen <= done) {
      skipped(record);
      continue;
    }
    batch.push(record);
    if (batch.length === size) {
      await each(batch, done);
      done += batch.length;
      batch = [];
    }
  }
  if (batch.length) await each(batch, done);
}

/** Locks the import for one batch and checks no other run got there first. */
async function claim(tx: Ctx, job: Job, start: number): Promise<boolean> {
  const cur = await tx.db.selectFrom("capacity_imports").select(["status", "processed_rows", sql<boolean>`rejected is null`.as("first")]).where("tenant_id", "=", tx.tenantId!).where("id", "=", job.id).forUpdate().executeTakeFirst();
  if (!cur || cur.status !== "running" || cur.processed_rows !== start) throw new Superseded();
  return cur.first;
}

async function record(tx: Ctx, job: Job, start: number, rows: number, first: boolean, o: Outcome): Promise<void> {
  let chunk: Uint8Array | null = null;
  if (o.rejected.length) {
    const opts = { delimiter: job.delimiter, record_delimiter: "windows" as const };
    const head = first ? `${job.hasBom ? "\uFEFF" : ""}${stringify([[...job.header.map(spreadsheetSafe), "reason"]], opts)}` : "";
    chunk = new TextEncoder().encode(head + stringify(o.rejected, opts));
  }
  await tx.db
    .updateTable("capacity_imports")
    .set((eb) => ({
      processed_rows: start + rows,
      created_count: eb("created_count", "+", o.created),
      updated_count: eb("updated_count", "+", o.updated),
      rejected_count: eb("rejected_count", "+", o.rejected.length),
      ...(chunk ? { rejected: sql<Uint8Array>`coalesce(rejected, ''::bytea) || ${chunk}` } : {}),
    }))
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", job.id)
    .execute();
}

const rejectRow = (cells: string[], reason: string) => [...cells.map(spreadsheetSafe), reason];

// ---- Volumes ----

async function importVolumes(ctx: () => Ctx, job: Job, file: Uint8Array): Promise<void> {
  const { index } = headerIndex(job.header, VOLUME_COLUMNS);
  // A date and interval twice in one file: the first wins, the repeat is rejected (on a re-import, a row of the
  // file replaces what the database held; within one file, which row to trust would be a guess).
  const firstRow = new Map<number, number>();
  let rowNo = 0;
  const key = (v: VolumeRow) => (Date.parse(`${v.day}T00:00:00Z`) / 60_000) + v.minute;
  const check = (cells: string[]) => {
    rowNo++;
    const c = checkVolumeRow(cells, index, job.intervalMinutes);
    if (!c.ok) return c;
    const k = key(c.value);
    const earlier = firstRow.get(k);
    if (earlier !== undefined) return { ok: false as const, reason: `the same date and interval_start are already on line ${earlier + 1} of the file` };
    firstRow.set(k, rowNo);
    return c;
  };
  await inBatches(
    job,
    file,
    VOLUME_BATCH,
    (rows, start) =>
      inTransaction(ctx(), async (tx) => {
        const first = await claim(tx, job, start);
        const o: Outcome = { created: 0, updated: 0, rejected: [] };
        const good: VolumeRow[] = [];
        for (const cells of rows) {
          const c = check(cells);
          if (c.ok) good.push(c.value);
          else o.rejected.push(rejectRow(cells, c.reason));
        }
        if (good.length) {
          const written = await tx.db
            .insertInto("capacity_intervals")
            .values(good.map((v) => ({ tenant_id: tx.tenantId!, program_id: job.programId!, day: v.day, minute: v.minute, offered: v.offered, handled: v.handled, aht_seconds: v.aht, staffed_agents: v.staffed })))
            .onConflict((oc) =>
              oc.columns(["tenant_id", "program_id", "day", "minute"]).doUpdateSet((eb) => ({
                offered: eb.ref("excluded.offered"),
                handled: eb.ref("excluded.handled"),
                aht_seconds: eb.ref("excluded.aht_seconds"),
                staffed_agents: eb.ref("excluded.staffed_agents"),
              })),
            )
            // xmax is 0 on a row this statement inserted, and the updating transaction's id on one it updated.
            .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
            .execute();
          for (const w of written) w.inserted ? o.created++ : o.updated++;
        }
        await record(tx, job, start, rows.length, first, o);
      }),
    (cells) => void check(cells),
  );
}

// ---- Agents ----

async function importAgents(ctx: () => Ctx, job: Job, file: Uint8Array): Promise<void> {
  const { index } = headerIndex(job.header, AGENT_COLUMNS);
  const programs = new Map(
    (await inTransaction(ctx(), (tx) => tx.db.selectFrom("capacity_programs").select(["id", "name_key"]).where("tenant_id", "=", tx.tenantId!).execute())).map((p) => [p.name_key, p.id]),
  );
  await inBatches(job, file, AGENT_BATCH, (rows, start) =>
    inTransaction(ctx(), async (tx) => {
      const first = await claim(tx, job, start);
      const o: Outcome = { created: 0, updated: 0, rejected: [] };
      const today = tx.now.toISOString().slice(0, 10);
      for (const cells of rows) {
        const c = checkAgentRow(cells, index, today);
        if (!c.ok) {
          o.rejected.push(rejectRow(cells, c.reason));
          continue;
        }
        const unknown = c.value.programs?.find((n) => !programs.has(n.toLowerCase()));
        if (unknown) {
          o.rejected.push(rejectRow(cells, `programs: there is no program named “${unknown.slice(0, 100)}”`));
          continue;
        }
        (await upsertAgent(tx, c.value, programs, job.id)) === "created" ? o.created++ : o.updated++;
      }
      await record(tx, job, start, rows.length, first, o);
    }),
  );
}

const AGENT_FIELDS = ["name", "employee_id", "fte", "status", "start_date", "end_date"] as const;

/** Creates the agent or, matched by employee ID (case-insensitively), updates it; each change audited. */
async function upsertAgent(tx: Ctx, a: AgentRow, programs: Map<string, string>, importId: string): Promise<"created" | "updated"> {
  const values = { name: a.name, employee_id: a.employeeId, fte: a.fte, status: a.status, start_date: a.startDate, end_date: a.endDate };
  const before = await tx.db
    .selectFrom("capacity_agents")
    .select(["id", "name", "employee_id", "fte", "status", sql<string>`start_date::text`.as("start_date"), sql<string | null>`end_date::text`.as("end_date")])
    .where("tenant_id", "=", tx.tenantId!)
    .where("employee_key", "=", a.employeeId.toLowerCase())
    .executeTakeFirst();
  const id = before?.id ?? Bun.randomUUIDv7();
  if (before) await tx.db.updateTable("capacity_agents").set({ ...values, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
  else await tx.db.insertInto("capacity_agents").values({ tenant_id: tx.tenantId!, id, ...values, created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, updated_at: tx.now }).execute();
  if (a.programs) {
    await tx.db.deleteFrom("capacity_agent_programs").where("tenant_id", "=", tx.tenantId!).where("agent_id", "=", id).execute();
    const ids = a.programs.map((n) => programs.get(n.toLowerCase())!);
    if (ids.length) await tx.db.insertInto("capacity_agent_programs").values(ids.map((p) => ({ tenant_id: tx.tenantId!, agent_id: id, program_id: p }))).execute();
  }
  if (!before) {
    await audit(tx, "agent.created", { type: "agent", id }, { ...values, programs: a.programs ?? [], import_id: importId });
    return "created";
  }
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const was: Record<string, unknown> = { ...before, fte: Number(before.fte) };
  for (const k of AGENT_FIELDS) if (was[k] !== values[k]) changes[k] = { from: was[k], to: values[k] };
  await audit(tx, "agent.updated", { type: "agent", id }, { ...changes, ...(a.programs ? { programs: a.programs } : {}), import_id: importId });
  return "updated";
}
