import { CsvError, parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { Readable } from "node:stream";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Actor, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { NotFound } from "../errors.ts";
import { customFieldsFor } from "./custom-fields.ts";
import { spreadsheetSafe } from "./exports.ts";
import { csvOptions } from "./csv-files.ts";
import { fieldsOf } from "./import-fields.ts";
import { applyPlan, findByIndex, loadKeyIndex, memberEmails, type Finder, type Outcome, type Plan } from "./import-records.ts";
import { keysOf, planBatch, rowKeys, type RowSpec } from "./import-rows.ts";
import { findImport, type ImportDetail } from "./imports.ts";

// The crm-import job's side of an import, apart from the pages that upload, map and start it (imports.ts).
// The job writes each batch of rows and the import's counters in one transaction, so a job that dies resumes
// after the last committed batch and never creates a record twice.

const idb = (ctx: Ctx) => ctx.db;

export const BATCH_SIZE = 500;
export const MAX_ROWS = 500_000;

/** Another run moved the import on (or it was finished): this run stops without touching it. */
class Superseded extends Error {}

function records(file: Uint8Array, delimiter: string): AsyncIterable<string[]> {
  const chunks = function* () {
    for (let i = 0; i < file.byteLength; i += 1 << 16) yield Buffer.from(file.buffer, file.byteOffset + i, Math.min(1 << 16, file.byteLength - i));
  };
  return Readable.from(chunks()).pipe(parse(csvOptions(delimiter)));
}

async function setFinished(tx: Ctx, imp: ImportDetail, outcome: "done" | "failed", error: string | null): Promise<void> {
  const r = await idb(tx)
    .updateTable("crm_imports")
    .set({ status: outcome, error, finished_at: tx.now })
    .where("id", "=", imp.id)
    .where("status", "in", ["queued", "running"])
    .returning(["total_rows", "processed_rows", "created_count", "updated_count", "skipped_count"])
    .executeTakeFirst();
  if (r) await audit(tx, "import.finished", { type: "import", id: imp.id }, { object: imp.object, outcome, ...r });
}

/**
 * Runs an import (the crm-import job): counts the rows (a file that is not valid CSV fails here, before anything
 * is written), then imports them 500 at a time from where the last committed batch stopped.
 */
export async function runImport(db: DB, tenantId: string, importId: string, clock: () => Date, opts: { lastAttempt: boolean }): Promise<void> {
  const base = systemCtx(db, clock(), tenantId);
  const imp = await inTransaction(base, (tx) => findImport(tx, importId)).catch((e) => (e instanceof NotFound ? null : Promise.reject(e)));
  if (!imp || (imp.status !== "queued" && imp.status !== "running")) return;
  const meta = await inTransaction(base, (tx) =>
    idb(tx).selectFrom("crm_imports as i").leftJoin("users as u", "u.id", "i.created_by").select(["i.file", "i.created_by", "u.name"]).where("i.id", "=", importId).executeTakeFirstOrThrow(),
  );
  // The job acts for the member who started the import: records and audit events name them.
  const actor: Actor = meta.created_by ? { type: "user", id: meta.created_by, label: meta.name } : base.actor!;
  const ctx = (): Ctx => ({ ...base, actor, now: clock() });
  const file = meta.file;
  try {
    // A first pass counts the rows and gathers their match keys; a file that is not valid CSV fails here, before
    // anything is written.
    const wanted = new Set<string>();
    let total = -1;
    for await (const record of records(file, imp.delimiter)) if (total++ >= 0) for (const k of rowKeys(imp.object, imp.mapping!, record)) wanted.add(k);
    if (imp.total_rows === null) {
      if (total > MAX_ROWS) return await inTransaction(ctx(), (tx) => setFinished(tx, imp, "failed", `The file has ${total} rows; at most ${MAX_ROWS} can be imported at once. Split it and import each part.`));
      await inTransaction(ctx(), (tx) => idb(tx).updateTable("crm_imports").set({ status: "running", total_rows: total, started_at: tx.now }).where("id", "=", importId).execute());
    }
    const defs = await customFieldsFor(base, imp.object);
    const spec: RowSpec = { object: imp.object, mapping: imp.mapping!, fields: fieldsOf(imp.object, defs), defs };
    const members = await inTransaction(base, memberEmails);
    const index = await loadKeyIndex(base, imp.object, wanted);
    const find = findByIndex(imp.object, index);
    const commit = async (batch: string[][], start: number) => {
      const plan = await importBatch(ctx(), imp, spec, members, batch, start, meta.created_by, find);
      // Only once the batch committed: later batches match the records it created.
      for (const rec of [...plan.creates, ...plan.updates]) for (const k of keysOf(imp.object, rec.values)) if (wanted.has(k) && !index.has(k)) index.set(k, rec.id);
    };
    let done = imp.processed_rows;
    let seen = -1;
    let batch: string[][] = [];
    for await (const record of records(file, imp.delimiter)) {
      if (seen++ < done) continue; // the header, then rows an earlier run committed
      batch.push(record);
      if (batch.length === BATCH_SIZE) {
        await commit(batch, done);
        done += batch.length;
        batch = [];
      }
    }
    if (batch.length) await commit(batch, done);
    await inTransaction(ctx(), (tx) => setFinished(tx, imp, "done", null));
  } catch (err) {
    if (err instanceof Superseded) return;
    const csv = err instanceof CsvError;
    if (!csv && !opts.lastAttempt) throw err;
    const message = csv ? `The file could not be read: ${(err as Error).message}`.slice(0, 500) : "The import stopped after repeated errors. The rows imported before that were kept.";
    await inTransaction(ctx(), (tx) => setFinished(tx, imp, "failed", message));
    if (!csv) throw err;
  }
}

async function importBatch(tx0: Ctx, imp: ImportDetail, spec: RowSpec, members: Map<string, string>, rows: string[][], start: number, createdBy: string | null, find: Finder): Promise<Plan> {
  return inTransaction(tx0, async (tx) => {
    const cur = await idb(tx).selectFrom("crm_imports").select(["status", "processed_rows", sql<boolean>`rejected is null`.as("first")]).where("id", "=", imp.id).forUpdate().executeTakeFirst();
    if (!cur || cur.status !== "running" || cur.processed_rows !== start) throw new Superseded();
    const plan = await planBatch(tx, spec, members, rows, find);
    await applyPlan(tx, spec.object, plan, createdBy);
    const rejected = rows.flatMap((r, i) => {
      const o = plan.outcomes[i]!;
      return o.kind === "rejected" ? [[...r.map(spreadsheetSafe), o.reason]] : [];
    });
    const count = (k: Outcome["kind"]) => plan.outcomes.filter((o) => o.kind === k).length;
    let chunk: Uint8Array | null = null;
    if (rejected.length) {
      const head = cur.first ? `${imp.has_bom ? "\uFEFF" : ""}${stringify([[...imp.header.map(spreadsheetSafe), "reason"]], { delimiter: imp.delimiter, record_delimiter: "windows" })}` : "";
      chunk = new TextEncoder().encode(head + stringify(rejected, { delimiter: imp.delimiter, record_delimiter: "windows" }));
    }
    await idb(tx)
      .updateTable("crm_imports")
      .set((eb) => ({
        processed_rows: start + rows.length,
        created_count: eb("created_count", "+", count("created")),
        updated_count: eb("updated_count", "+", count("updated")),
        skipped_count: eb("skipped_count", "+", count("rejected")),
        ...(chunk ? { rejected: sql<Uint8Array>`coalesce(rejected, ''::bytea) || ${chunk}` } : {}),
      }))
      .where("id", "=", imp.id)
      .execute();
    return plan;
  });
}
