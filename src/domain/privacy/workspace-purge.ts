import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { enqueue } from "../queue.ts";
import { appendLedger } from "./ledger.ts";
import type { Counts } from "./request-tables.ts";
import { purgePlan, type PurgeTable } from "./workspace-purge-plan.ts";

// P16, P17: a cancelled or lapsed workspace, once its 30 days are over, loses every row: every data-map table with
// a tenant column, then the tenant row. In short batches (one transaction each, the workspace pinned), each of
// which moves the progress record (workspace_purges) in the same transaction, so a purge killed at any point
// resumes where it stopped and never counts a row twice. Between batches it pauses, so other workspaces' requests
// never queue behind it. The record, the ledger rows and the platform audit event that remain name the workspace
// by id only; no table with a tenant_id column keeps a row of it.

export type PurgeReason = "cancelled" | "lapsed";

/**
 * Queues the purge inside the caller's transaction (it exists only if the status change that asked for it
 * commits). Idempotent: one waiting job per workspace (job key), and a purge that already finished is a no-op.
 */
export async function purgeWorkspaceLater(ctx: Ctx, tenantId: string, reason: PurgeReason): Promise<void> {
  await enqueue(ctx, "workspace-purge", { tenantId, reason }, { jobKey: `workspace-purge:${tenantId}` });
}

export interface PurgePools {
  app: DB;
  owner: DB;
}

export interface PurgeOptions {
  /** Rows per transaction. */
  batchSize?: number;
  /** Pause between batches, so the purge yields to everyone else. */
  pauseMs?: number;
  /** Wall-clock ms (Date.now()) after which no new batch starts: the job works in slices. */
  deadline?: number;
}

export type PurgeOutcome = "purged" | "paused" | "already-purged" | "no-such-workspace" | "not-purging";

export interface PurgeResult {
  outcome: PurgeOutcome;
  counts: Counts;
  rowsDeleted: number;
}

export const PURGE_BATCH = 5_000;
const PAUSE_MS = 10;
const MAX_PASSES = 3;

/**
 * Runs (or resumes, from the table the record names) the purge of one workspace. With a deadline it stops at the
 * first batch boundary past it, after at least one batch, so every run makes progress. Safe to run twice at once:
 * batches serialise on the record.
 */
export async function runWorkspacePurge(pools: PurgePools, now: () => Date, tenantId: string, reason: PurgeReason, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const batchSize = opts.batchSize ?? PURGE_BATCH;
  const start = await begin(pools.app, now(), tenantId, reason);
  if (typeof start === "string") return { outcome: start, ...(await progressOf(pools.owner, tenantId)) };
  const plan = await purgePlan(pools.app);
  let ran = 0;
  const due = () => opts.deadline !== undefined && ran > 0 && Date.now() >= opts.deadline;
  const paused = async (): Promise<PurgeResult> => ({ outcome: "paused", ...(await progressOf(pools.owner, tenantId)) });
  // A second pass only finds rows that appeared behind the first (a cascade that missed, a late write).
  for (let pass = 1; ; pass++) {
    const from = pass === 1 ? Math.max(0, plan.findIndex((t) => t.table === start.resumeAt)) : 0;
    for (let i = from; i < plan.length; i++) {
      for (;;) {
        if (due()) return paused();
        const n = await deleteBatch(pools, now(), tenantId, plan[i]!, plan[i + 1]?.table ?? null, batchSize);
        ran++;
        if (n === null) return { outcome: "already-purged", ...(await progressOf(pools.owner, tenantId)) };
        if (n < batchSize) break;
        await Bun.sleep(opts.pauseMs ?? PAUSE_MS);
      }
    }
    const left = await remaining(pools, tenantId, plan);
    if (!left.length) break;
    if (pass >= MAX_PASSES) throw new Error(`workspace purge: rows remain after ${pass} passes in ${left.join(", ")}`);
  }
  const done = await finish(pools.owner, now(), tenantId);
  return done ?? { outcome: "already-purged", ...(await progressOf(pools.owner, tenantId)) };
}

function pin(trx: DB, tenantId: string) {
  return sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
}

/** Creates the record on the first run; says whether there is anything to do. */
async function begin(app: DB, now: Date, tenantId: string, reason: PurgeReason): Promise<{ resumeAt: string | null } | Exclude<PurgeOutcome, "purged" | "paused">> {
  return app.transaction().execute(async (trx) => {
    await pin(trx, tenantId);
    const rec = await sql<{ finished_at: Date | null; current_table: string | null }>`
      select finished_at, current_table from workspace_purges where workspace_id = ${tenantId}::uuid for update`.execute(trx);
    if (rec.rows[0]) return rec.rows[0].finished_at ? "already-purged" : { resumeAt: rec.rows[0].current_table };
    // Only a workspace the lifecycle handed over ('purging', src/domain/tenancy/lifecycle-sweep.ts): one that was
    // reactivated, or a job queued by mistake, is never touched.
    const tenant = await sql<{ status: string }>`select status from tenants where id = ${tenantId}::uuid`.execute(trx);
    if (!tenant.rows[0]) return "no-such-workspace";
    if (tenant.rows[0].status !== "purging") return "not-purging";
    const created = await sql`insert into workspace_purges (workspace_id, reason, started_at, updated_at) values (${tenantId}::uuid, ${reason}, ${now}, ${now})
      on conflict do nothing returning workspace_id`.execute(trx);
    if (created.rows.length) await audit({ ...systemCtx(trx, now), tenantId: null }, "workspace.purge_started", { type: "workspace", id: tenantId }, { reason });
    return { resumeAt: null };
  });
}

/**
 * One short transaction: lock the record, delete up to `limit` rows of one table, move the record: its counts, and
 * where to resume (this table while it may hold more, else the next one).
 */
async function deleteBatch(pools: PurgePools, now: Date, tenantId: string, t: PurgeTable, next: string | null, limit: number): Promise<number | null> {
  const db = t.role === "app" ? pools.app : pools.owner;
  return db.transaction().execute(async (trx) => {
    await pin(trx, tenantId);
    const rec = await sql<{ finished_at: Date | null }>`select finished_at from workspace_purges where workspace_id = ${tenantId}::uuid for update`.execute(trx);
    if (!rec.rows[0] || rec.rows[0].finished_at) return null;
    const table = sql.table(t.table);
    const r = await sql`delete from ${table} where ctid = any(array(
      select ctid from ${table} where ${sql.ref(t.column)} = ${tenantId}::uuid limit ${limit}))`.execute(trx);
    const n = Number(r.numAffectedRows ?? 0);
    const resumeAt = n < limit ? next : t.table;
    await sql`update workspace_purges set current_table = ${resumeAt}, rows_deleted = rows_deleted + ${n}::int, updated_at = ${now},
      counts = case when ${n}::int = 0 then counts
        else jsonb_set(counts, array[${t.table}::text], to_jsonb(coalesce((counts ->> ${t.table}::text)::bigint, 0) + ${n}::int)) end
      where workspace_id = ${tenantId}::uuid`.execute(trx);
    return n;
  });
}

async function remaining(pools: PurgePools, tenantId: string, plan: PurgeTable[]): Promise<string[]> {
  const left: string[] = [];
  for (const t of plan) {
    const db = t.role === "app" ? pools.app : pools.owner;
    const found = await db.transaction().execute(async (trx) => {
      await pin(trx, tenantId);
      const r = await sql`select 1 from ${sql.table(t.table)} where ${sql.ref(t.column)} = ${tenantId}::uuid limit 1`.execute(trx);
      return r.rows.length > 0;
    });
    if (found) left.push(t.table);
  }
  return left;
}

/**
 * The last step, as the owner because it writes platform rows: the tenant row goes (its ON DELETE CASCADE finds
 * nothing left), then, with no workspace pinned, the ledger gets one row per table naming the workspace (no row
 * ids: every row of it went), the record is closed and the platform audit trail gets the counts. All or nothing.
 */
async function finish(owner: DB, now: Date, tenantId: string): Promise<PurgeResult | null> {
  return owner.transaction().execute(async (trx) => {
    await pin(trx, tenantId);
    const rec = await sql<{ reason: PurgeReason; counts: Counts; rows_deleted: string; started_at: Date; finished_at: Date | null }>`
      select reason, counts, rows_deleted, started_at, finished_at from workspace_purges where workspace_id = ${tenantId}::uuid for update`.execute(trx);
    const row = rec.rows[0];
    if (!row || row.finished_at) return null;
    const gone = Number((await sql`delete from tenants where id = ${tenantId}::uuid`.execute(trx)).numAffectedRows ?? 0);
    const counts: Counts = { ...row.counts, ...(gone ? { tenants: gone } : {}) };
    const rowsDeleted = Number(row.rows_deleted) + gone;
    await sql`select set_config('app.tenant_id', '', true)`.execute(trx);
    const platform = systemCtx(trx, now, null);
    for (const table of Object.keys(counts)) {
      await appendLedger(platform, { tenantId: null, table, action: "delete", rowIds: [], subjectKind: "workspace", subjectIds: [tenantId], requestId: null });
    }
    await sql`update workspace_purges set finished_at = ${now}, updated_at = ${now}, current_table = null, counts = ${counts}::jsonb, rows_deleted = ${rowsDeleted}
      where workspace_id = ${tenantId}::uuid`.execute(trx);
    await audit(platform, "workspace.purged", { type: "workspace", id: tenantId }, { reason: row.reason, started_at: row.started_at.toISOString(), rows: rowsDeleted, tables: counts });
    return { outcome: "purged" as const, counts, rowsDeleted };
  });
}

export interface PurgeProgress {
  reason: PurgeReason;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  currentTable: string | null;
  rowsDeleted: number;
  counts: Counts;
}

/** The record of a workspace's purge, read as the owner (the workspace itself may be gone). */
export async function purgeProgress(owner: DB, tenantId: string): Promise<PurgeProgress | null> {
  const r = await sql<{ reason: PurgeReason; started_at: Date; updated_at: Date; finished_at: Date | null; current_table: string | null; rows_deleted: string; counts: Counts }>`
    select reason, started_at, updated_at, finished_at, current_table, rows_deleted, counts from workspace_purges where workspace_id = ${tenantId}::uuid`.execute(owner);
  const row = r.rows[0];
  if (!row) return null;
  return { reason: row.reason, startedAt: row.started_at, updatedAt: row.updated_at, finishedAt: row.finished_at, currentTable: row.current_table, rowsDeleted: Number(row.rows_deleted), counts: row.counts };
}

async function progressOf(owner: DB, tenantId: string): Promise<{ counts: Counts; rowsDeleted: number }> {
  const p = await purgeProgress(owner, tenantId);
  return { counts: p?.counts ?? {}, rowsDeleted: p?.rowsDeleted ?? 0 };
}
