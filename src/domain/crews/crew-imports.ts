import { stringify } from "csv-stringify/sync";
import { parse as parseSync } from "csv-parse/sync";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { FileTooLarge, safeFilename } from "../crm/attachments.ts";
import { csvOptions, inspectCsv } from "../crm/csv-files.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, isUuid } from "./people-common.ts";
import type { CrewImportKind } from "./tables.ts";

// CSV imports of employees and projects run inline: a workspace has hundreds of people, and 5,000 rows import in
// well under two seconds (test/domain/crews/people-csv.test.ts measures it). What is kept is the report (counts and
// the rejected rows with their reasons, for download) for 30 days: the rows may hold names and emails.

export const CREW_IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const CREW_IMPORT_MAX_ROWS = 20_000;
export const CREW_IMPORT_RETENTION_DAYS = 30;

export interface CsvUpload {
  filename: string;
  header: string[];
  /** Lower-cased, trimmed header → column index (the first of repeated names wins). */
  index: Map<string, number>;
  rows: string[][];
}

/** Reads an uploaded CSV (UTF-8 with or without BOM, comma or semicolon) whole; problems are messages on `file`. */
export async function readCsvUpload(file: File | null, required: string[], optional: string[]): Promise<CsvUpload> {
  if (!file || (file.size === 0 && !file.name)) throw new Invalid({ file: "Choose a CSV file to upload." });
  if (file.size === 0) throw new Invalid({ file: "That file is empty." });
  if (file.size > CREW_IMPORT_MAX_BYTES) throw new FileTooLarge(CREW_IMPORT_MAX_BYTES);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const shape = inspectCsv(bytes);
  const index = new Map<string, number>();
  shape.header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (k && !index.has(k)) index.set(k, i);
  });
  const missing = required.filter((c) => !index.has(c));
  if (missing.length) throw new Invalid({ file: `The first line must name the columns ${required.join(", ")} (and optionally ${optional.join(", ")}). Missing: ${missing.join(", ")}.` });
  const text = new TextDecoder().decode(shape.hasBom ? bytes.subarray(3) : bytes);
  const records = parseSync(text, { ...csvOptions(shape.delimiter), from_line: 2 }) as string[][];
  if (records.length > CREW_IMPORT_MAX_ROWS) throw new Invalid({ file: `The file has ${records.length.toLocaleString("en-US")} rows; import at most ${CREW_IMPORT_MAX_ROWS.toLocaleString("en-US")} at a time.` });
  return { filename: safeFilename(file.name || "import.csv"), header: shape.header, index, rows: records };
}

// Our exports put a quote before cells a spreadsheet would run as a formula; importing them back takes it off.
const FORMULA_GUARD = /^'[=+\-@\t\r]/;

/** The cell of `column` in a row: trimmed, formula guard removed; undefined when the file has no such column. */
export function cell(upload: CsvUpload, row: string[], column: string): string | undefined {
  const i = upload.index.get(column);
  if (i === undefined) return undefined;
  const v = (row[i] ?? "").trim();
  return FORMULA_GUARD.test(v) ? v.slice(1) : v;
}

export interface ImportOutcome {
  id: string;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** Stores the report of an import that ran in tx, and audits it. */
export async function saveImportReport(tx: Ctx, kind: CrewImportKind, upload: CsvUpload, counts: Omit<ImportOutcome, "id" | "rejected">, rejected: { row: string[]; reason: string }[]): Promise<ImportOutcome> {
  const id = Bun.randomUUIDv7();
  const file = rejected.length ? new TextEncoder().encode(stringify([[...upload.header, "reason"], ...rejected.map((r) => [...upload.header.map((_, i) => r.row[i] ?? ""), r.reason])], { bom: true })) : null;
  await tx.db
    .insertInto("crew_imports")
    .values({ tenant_id: tx.tenantId!, id, kind, filename: upload.filename, total_rows: counts.total, created_count: counts.created, updated_count: counts.updated, rejected_count: rejected.length, rejected: file, created_by: actorUserId(tx), created_at: tx.now })
    .execute();
  await audit(tx, "crew_import.finished", { type: "crew_import", id }, { kind, filename: upload.filename, rows: counts.total, created: counts.created, updated: counts.updated, unchanged: counts.unchanged, rejected: rejected.length });
  return { id, ...counts, rejected: rejected.length };
}

export interface CrewImport {
  id: string;
  kind: CrewImportKind;
  filename: string;
  total: number;
  created: number;
  updated: number;
  rejected: number;
  createdAt: Date;
}

const summary = (tx: Ctx) =>
  tx.db
    .selectFrom("crew_imports")
    .select(["id", "kind", "filename", "total_rows as total", "created_count as created", "updated_count as updated", "rejected_count as rejected", "created_at as createdAt"])
    .where("tenant_id", "=", tx.tenantId!);

export async function getCrewImport(ctx: Ctx, id: string): Promise<CrewImport> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await summary(tx).where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

export async function recentCrewImports(ctx: Ctx, kind: CrewImportKind, limit = 5): Promise<CrewImport[]> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, (tx) => summary(tx).where("kind", "=", kind).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute());
}

/** The rejected rows with their reasons, as CSV; they carry the file's data, so reading them is audited. */
export async function openCrewRejected(ctx: Ctx, id: string): Promise<{ filename: string; data: Uint8Array }> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("crew_imports").select(["filename", "rejected", "rejected_count"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!row?.rejected) throw new NotFound();
    await audit(tx, "import.downloaded", { type: "crew_import", id }, { file: "rejected rows", rows: row.rejected_count });
    return { filename: `${row.filename.replace(/\.csv$/i, "")}-rejected.csv`, data: new Uint8Array(row.rejected) };
  });
}

/** Retention: import reports older than 30 days go, one workspace at a time, each purge audited (owner role). */
export async function purgeOldCrewImports(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - CREW_IMPORT_RETENTION_DAYS * 86_400_000);
  // crew_imports is under forced row-level security even for the owner: walk the workspaces.
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  let total = 0;
  for (const { id: tenantId } of tenants) {
    total += await inTransaction(systemCtx(owner, now, tenantId), async (tx) => {
      const gone = await tx.db.deleteFrom("crew_imports").where("tenant_id", "=", tenantId).where("created_at", "<", cutoff).returning("id").execute();
      if (gone.length) await audit(tx, "import.purged", null, { kind: "crews", deleted: gone.length, before: cutoff.toISOString() });
      return gone.length;
    });
  }
  return total;
}
