import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import type { CrmImportsTable } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { FileTooLarge, safeFilename } from "./attachments.ts";
import { customFieldsFor } from "./custom-fields.ts";
import { inspectCsv, sampleRows } from "./csv-files.ts";
import { fieldsOf, IMPORT_MAX_BYTES, IMPORT_OBJECTS, suggestMapping, type ImportField, type ImportObject } from "./import-fields.ts";
import { memberEmails, type Outcome } from "./import-records.ts";
import { planBatch } from "./import-rows.ts";
import { afterCursor, decodeCursor, encodeCursor, type SortSpec } from "./list-cursor.ts";
import { isUuid, PAGE_SIZE } from "./shared.ts";

// CSV imports (issue 4, item 8): upload → map columns (with a preview) → run as the crm-import job → report.
// The run itself is import-runs.ts; this file keeps the import's record, from upload to retention.

export type { ImportStatus } from "../schema.ts";

/** The crm_imports table (migrations/0004_crm_imports.ts). */
export type { CrmImportsTable } from "../schema.ts";
const idb = (ctx: Ctx) => ctx.db;

export const IMPORT_RETENTION_DAYS = 30;
const PREVIEW_BYTES = 2 * 1024 * 1024;

const SUMMARY = ["id", "object", "filename", "status", "total_rows", "processed_rows", "created_count", "updated_count", "skipped_count", "error", "created_at", "started_at", "finished_at"] as const;
export type ImportSummary = Pick<CrmImportsTable, (typeof SUMMARY)[number]> & { has_rejected: boolean };
export type ImportDetail = ImportSummary & Pick<CrmImportsTable, "header" | "delimiter" | "has_bom" | "mapping">;

export async function findImport(tx: Ctx, id: string, lock = false): Promise<ImportDetail> {
  if (!isUuid(id)) throw new NotFound();
  let q = idb(tx)
    .selectFrom("crm_imports")
    .select([...SUMMARY, "header", "delimiter", "has_bom", "mapping", sql<boolean>`rejected is not null`.as("has_rejected")])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** One import without its file; unknown, malformed or other-workspace ids are 404. */
export async function getImport(ctx: Ctx, id: string): Promise<ImportDetail> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, (tx) => findImport(tx, id));
}

const LIST: SortSpec = { keys: [{ expr: sql`created_at`, kind: "time" }, { expr: sql`id`, kind: "uuid" }], desc: true };

/** Past imports, newest first, 50 a page by keyset. */
export async function listImports(ctx: Ctx, after?: string): Promise<{ rows: ImportSummary[]; next: string | null }> {
  authorize(ctx, "records.edit");
  const from = after ? decodeCursor(after, "imports", LIST) : null;
  return inTransaction(ctx, async (tx) => {
    let q = idb(tx)
      .selectFrom("crm_imports")
      .select([...SUMMARY, sql<boolean>`rejected is not null`.as("has_rejected"), sql<string>`to_json(created_at) #>> '{}'`.as("key")])
      .where("tenant_id", "=", tx.tenantId!);
    if (from) q = q.where(afterCursor(LIST, from));
    const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(PAGE_SIZE + 1).execute();
    const last = rows[PAGE_SIZE - 1];
    return { rows: rows.slice(0, PAGE_SIZE).map(({ key: _k, ...r }) => r), next: rows.length > PAGE_SIZE && last ? encodeCursor("imports", [last.key, last.id]) : null };
  });
}

/** Stores an uploaded CSV after checking it is UTF-8 CSV with a header and rows; its id. */
export async function uploadImport(ctx: Ctx, object: string | undefined, file: File | null, maxBytes = IMPORT_MAX_BYTES): Promise<string> {
  authorize(ctx, "records.edit");
  const errors: Record<string, string> = {};
  if (!IMPORT_OBJECTS.includes(object as ImportObject)) errors.object = "Choose what the file holds.";
  if (!file || (file.size === 0 && !file.name)) errors.file = "Choose a CSV file to upload.";
  else if (file.size === 0) errors.file = "That file is empty.";
  if (Object.keys(errors).length) throw new Invalid(errors);
  if (file!.size > maxBytes) throw new FileTooLarge(maxBytes);
  const bytes = new Uint8Array(await file!.arrayBuffer());
  const shape = inspectCsv(bytes);
  const filename = safeFilename(file!.name || "import.csv");
  return inTransaction(ctx, async (tx) => {
    const id = Bun.randomUUIDv7();
    await idb(tx)
      .insertInto("crm_imports")
      .values({ tenant_id: tx.tenantId!, id, object: object as ImportObject, filename, file: bytes, delimiter: shape.delimiter, has_bom: shape.hasBom, header: shape.header, mapping: null, status: "uploaded", created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now } as never)
      .execute();
    await audit(tx, "import.uploaded", { type: "import", id }, { object, filename, size_bytes: bytes.byteLength, columns: shape.header.length });
    return id;
  });
}

export interface PreviewRow {
  n: number;
  cells: string[];
  outcome: Outcome;
}
export interface MappingView {
  imp: ImportDetail;
  fields: ImportField[];
  mapping: (string | null)[];
  preview: PreviewRow[] | null;
}

/**
 * The mapping form's data: the saved mapping (or one suggested from the header, or what was just posted) and, when
 * the mapping is valid, the first 10 rows with what importing them would do, planned exactly as the job plans.
 */
export async function importMapping(ctx: Ctx, id: string, posted?: Record<string, string>): Promise<MappingView> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const imp = await findImport(tx, id);
    const defs = await customFieldsFor(tx, imp.object);
    const fields = fieldsOf(imp.object, defs);
    const mapping = posted ? imp.header.map((_, i) => posted[`col_${i}`] || null) : (imp.mapping ?? suggestMapping(imp.header, fields));
    if (posted && Object.keys(mappingErrors(imp.object, fields, mapping)).length) return { imp, fields, mapping, preview: null };
    const head = await idb(tx).selectFrom("crm_imports").select(sql<Uint8Array>`substring(file from 1 for ${PREVIEW_BYTES})`.as("head")).where("id", "=", id).executeTakeFirstOrThrow();
    const rows = sampleRows(head.head, imp.delimiter);
    const plan = await planBatch(tx, { object: imp.object, mapping, fields, defs }, await memberEmails(tx), rows);
    return { imp, fields, mapping, preview: rows.map((cells, i) => ({ n: i + 1, cells: cells.map((c) => c.slice(0, 80)), outcome: plan.outcomes[i]! })) };
  });
}

/** What is wrong with a mapping, keyed by column (`col_<i>`) or `_form`. */
export function mappingErrors(object: ImportObject, fields: ImportField[], mapping: (string | null)[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const seen = new Map<string, number>();
  mapping.forEach((key, i) => {
    if (!key) return;
    const fl = fields.find((x) => x.key === key);
    if (!fl) errors[`col_${i}`] = "Choose a field from the list, or “Don't import”.";
    else if (!fl.multi && seen.has(key)) errors[`col_${i}`] = `${fl.label} is already imported from column ${seen.get(key)! + 1}.`;
    else seen.set(key, i);
  });
  const needs: Record<ImportObject, [string[], string]> = {
    company: [["name"], "Choose the column that holds the company's name."],
    contact: [["first_name", "last_name", "full_name", "emails"], "Choose a column for the contact's name or email."],
    lead: [["name"], "Choose the column that holds the lead's name."],
  };
  const [any, message] = needs[object];
  if (!any.some((k) => seen.has(k))) errors._form = message;
  return errors;
}

/** Saves the column mapping (422 with messages per column); an import that has started keeps its mapping (409). */
export async function saveMapping(ctx: Ctx, id: string, posted: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const imp = await findImport(tx, id, true);
    if (imp.status !== "uploaded" && imp.status !== "mapped") throw new Conflict("This import has already started; its mapping can no longer change.");
    const fields = fieldsOf(imp.object, await customFieldsFor(tx, imp.object));
    const mapping = imp.header.map((_, i) => posted[`col_${i}`] || null);
    const errors = mappingErrors(imp.object, fields, mapping);
    if (Object.keys(errors).length) throw new Invalid(errors, errors._form ?? "Some columns need another field.");
    await idb(tx).updateTable("crm_imports").set({ mapping: sql`${JSON.stringify(mapping)}::text::jsonb` as never, status: "mapped" }).where("id", "=", id).execute();
    await audit(tx, "import.mapped", { type: "import", id }, { fields: mapping.filter(Boolean) });
  });
}

/** Queues the import job. Starting twice (a double click, a resubmitted form) queues it once. */
export async function startImport(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const imp = await findImport(tx, id, true);
    if (imp.status === "uploaded") throw new Invalid({ _form: "Save the column mapping before starting the import." });
    if (imp.status !== "mapped") return;
    await idb(tx).updateTable("crm_imports").set({ status: "queued" }).where("id", "=", id).execute();
    await audit(tx, "import.started", { type: "import", id }, { object: imp.object, fields: imp.mapping!.filter(Boolean) });
    await enqueue(tx, "crm-import", { tenantId: tx.tenantId!, importId: id }, { jobKey: `crm-import:${id}`, maxAttempts: 10 });
  });
}

/** The rejected rows with their reasons, as CSV; reading them reveals row data, so it is audited. */
export async function openRejected(ctx: Ctx, id: string): Promise<{ filename: string; data: Uint8Array }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const imp = await findImport(tx, id);
    const row = await idb(tx).selectFrom("crm_imports").select("rejected").where("id", "=", id).executeTakeFirstOrThrow();
    if (!row.rejected) throw new NotFound();
    await audit(tx, "import.downloaded", { type: "import", id }, { file: "rejected rows", rows: imp.skipped_count });
    return { filename: `${imp.filename.replace(/\.csv$/i, "")}-rejected.csv`, data: new Uint8Array(row.rejected) };
  });
}

/**
 * Retention: an import's file and rejected rows hold personal data, so an import is deleted 30 days after it
 * finished (or, never run, 30 days after its upload). Runs as the owner, one workspace at a time; each
 * workspace's purge is audited.
 */
export async function purgeOldImports(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - IMPORT_RETENTION_DAYS * 86_400_000);
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  let total = 0;
  for (const { id: tenantId } of tenants) {
    total += await inTransaction(systemCtx(owner, now, tenantId), async (tx) => {
      const gone = await idb(tx)
        .deleteFrom("crm_imports")
        .where("tenant_id", "=", tenantId)
        .where(sql<boolean>`coalesce(finished_at, created_at) < ${cutoff}`)
        .returning("id")
        .execute();
      if (gone.length) await audit(tx, "import.purged", null, { deleted: gone.length, before: cutoff.toISOString() });
      return gone.length;
    });
  }
  return total;
}

