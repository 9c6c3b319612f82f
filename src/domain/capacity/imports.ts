import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { FileTooLarge, safeFilename } from "../crm/attachments.ts";
import { inspectCsv } from "../crm/csv-files.ts";
import { isUuid } from "../crm/shared.ts";
import { Invalid, NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import { AGENT_COLUMNS, headerIndex, VOLUME_COLUMNS } from "./import-rows.ts";
import type { CapacityImportKind, CapacityImportStatus } from "./tables.ts";

// CSV imports of contact volumes (per program) and of agents (issue 5, items 2 and 3): upload → the
// capacity-import job (import-job.ts) → a report with the rejected rows as CSV. The file is checked (UTF-8, CSV,
// the needed columns) before anything is queued, so a wrong file is a 422 on the upload form, not a failed job.

export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
export const IMPORT_RETENTION_DAYS = 30;

export interface CapacityImport {
  id: string;
  kind: CapacityImportKind;
  programId: string | null;
  programName: string | null;
  filename: string;
  status: CapacityImportStatus;
  totalRows: number | null;
  processedRows: number;
  createdCount: number;
  updatedCount: number;
  rejectedCount: number;
  hasRejected: boolean;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

function summaries(tx: Ctx) {
  return tx.db
    .selectFrom("capacity_imports as i")
    .leftJoin("capacity_programs as p", (j) => j.onRef("p.tenant_id", "=", "i.tenant_id").onRef("p.id", "=", "i.program_id"))
    .select(["i.id", "i.kind", "i.program_id", "p.name as program_name", "i.filename", "i.status", "i.total_rows", "i.processed_rows", "i.created_count", "i.updated_count", "i.rejected_count", "i.error", "i.created_at", "i.finished_at"])
    .select(sql<boolean>`i.rejected is not null`.as("has_rejected"))
    .where("i.tenant_id", "=", tx.tenantId!);
}
type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaries>["executeTakeFirstOrThrow"]>>;
const toImport = (r: SummaryRow): CapacityImport => ({
  id: r.id, kind: r.kind, programId: r.program_id, programName: r.program_name, filename: r.filename, status: r.status, totalRows: r.total_rows,
  processedRows: r.processed_rows, createdCount: r.created_count, updatedCount: r.updated_count, rejectedCount: r.rejected_count,
  hasRejected: r.has_rejected, error: r.error, createdAt: r.created_at, finishedAt: r.finished_at,
});

async function findImport(tx: Ctx, id: string): Promise<CapacityImport> {
  if (!isUuid(id)) throw new NotFound();
  const row = await summaries(tx).where("i.id", "=", id).executeTakeFirst();
  if (!row) throw new NotFound();
  return toImport(row);
}

/** One import's state and counts (no file); unknown or other-workspace ids are NotFound. */
export async function getImport(ctx: Ctx, id: string): Promise<CapacityImport> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, (tx) => findImport(tx, id));
}

/** The latest imports of a program's volumes (programId) or of agents (null), newest first. */
export async function recentImports(ctx: Ctx, programId: string | null, limit = 10): Promise<CapacityImport[]> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    let q = summaries(tx);
    q = programId ? q.where("i.program_id", "=", programId) : q.where("i.kind", "=", "agents");
    return (await q.orderBy("i.created_at", "desc").orderBy("i.id", "desc").limit(limit).execute()).map(toImport);
  });
}

/** Checks an upload and reads its shape; every problem is a message on the `file` field. */
async function readUpload(file: File | null, kind: CapacityImportKind, maxBytes: number) {
  if (!file || (file.size === 0 && !file.name)) throw new Invalid({ file: "Choose a CSV file to upload." });
  if (file.size === 0) throw new Invalid({ file: "That file is empty." });
  if (file.size > maxBytes) throw new FileTooLarge(maxBytes);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const shape = inspectCsv(bytes);
  const spec = kind === "volumes" ? VOLUME_COLUMNS : AGENT_COLUMNS;
  const { missing } = headerIndex(shape.header, spec);
  if (missing.length) {
    throw new Invalid({ file: `The first line must name the columns ${spec.required.join(", ")} (and optionally ${spec.optional.join(", ")}). Missing: ${missing.join(", ")}.` });
  }
  return { bytes, shape, filename: safeFilename(file.name || "import.csv") };
}

async function queueImport(tx: Ctx, kind: CapacityImportKind, programId: string | null, upload: Awaited<ReturnType<typeof readUpload>>): Promise<string> {
  const id = Bun.randomUUIDv7();
  const { bytes, shape, filename } = upload;
  await tx.db
    .insertInto("capacity_imports")
    .values({ tenant_id: tx.tenantId!, id, kind, program_id: programId, filename, file: bytes, delimiter: shape.delimiter, has_bom: shape.hasBom, header: shape.header, status: "queued", total_rows: null, rejected: null, error: null, created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, started_at: null, finished_at: null })
    .execute();
  await audit(tx, "import.started", { type: "capacity_import", id }, { kind, program_id: programId, filename, size_bytes: bytes.byteLength });
  await enqueue(tx, "capacity-import", { tenantId: tx.tenantId!, importId: id }, { jobKey: `capacity-import:${id}`, maxAttempts: 10 });
  return id;
}

/** Stores a program's volume CSV and queues its import; the import's id. */
export async function uploadVolumes(ctx: Ctx, programId: string, file: File | null, maxBytes = IMPORT_MAX_BYTES): Promise<string> {
  authorize(ctx, "records.edit");
  // The program first: another workspace's program is a 404 whatever the file holds.
  await inTransaction(ctx, async (tx) => {
    if (!isUuid(programId) || !(await tx.db.selectFrom("capacity_programs").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", programId).executeTakeFirst())) throw new NotFound();
  });
  const upload = await readUpload(file, "volumes", maxBytes);
  return inTransaction(ctx, async (tx) => {
    const p = await tx.db.selectFrom("capacity_programs").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", programId).forShare().executeTakeFirst();
    if (!p) throw new NotFound();
    return queueImport(tx, "volumes", programId, upload);
  });
}

/** Stores an agents CSV and queues its import; the import's id. */
export async function uploadAgents(ctx: Ctx, file: File | null, maxBytes = IMPORT_MAX_BYTES): Promise<string> {
  authorize(ctx, "records.edit");
  const upload = await readUpload(file, "agents", maxBytes);
  return inTransaction(ctx, (tx) => queueImport(tx, "agents", null, upload));
}

/** The rejected rows with their reasons, as CSV; they carry the file's data, so reading them is audited. */
export async function openRejected(ctx: Ctx, id: string): Promise<{ filename: string; data: Uint8Array }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const imp = await findImport(tx, id);
    const row = await tx.db.selectFrom("capacity_imports").select("rejected").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirstOrThrow();
    if (!row.rejected) throw new NotFound();
    await audit(tx, "import.downloaded", { type: "capacity_import", id }, { file: "rejected rows", rows: imp.rejectedCount });
    return { filename: `${imp.filename.replace(/\.csv$/i, "")}-rejected.csv`, data: new Uint8Array(row.rejected) };
  });
}

/**
 * Retention: an import's file and rejected rows may hold personal data (agents' names), so imports are deleted 30
 * days after they finished (or were uploaded). Runs as the owner, one workspace at a time, each purge audited.
 */
export async function purgeOldCapacityImports(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - IMPORT_RETENTION_DAYS * 86_400_000);
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  let total = 0;
  for (const { id: tenantId } of tenants) {
    total += await inTransaction(systemCtx(owner, now, tenantId), async (tx) => {
      const gone = await tx.db
        .deleteFrom("capacity_imports")
        .where("tenant_id", "=", tenantId)
        .where(sql<boolean>`coalesce(finished_at, created_at) < ${cutoff}`)
        .returning("id")
        .execute();
      if (gone.length) await audit(tx, "import.purged", null, { kind: "capacity", deleted: gone.length, before: cutoff.toISOString() });
      return gone.length;
    });
  }
  return total;
}
