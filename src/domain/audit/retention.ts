import { sql } from "kysely";
import { systemCtx } from "../context.ts";
import type { DB } from "../db.ts";
import { audit } from "./audit.ts";

/** P11: audit events are kept 12 months. */
export const AUDIT_RETENTION_DAYS = 365;

export interface PurgeResult {
  deleted: number;
  /** Delete statements run (each in its own short transaction). */
  batches: number;
}

/**
 * Deletes one batch of a chain's expired events, oldest first, and only from the start of the chain: it stops
 * at the first event that is still within retention, so that what remains is an unbroken chain whose first
 * link points at a deleted event (which verification accepts). An old-dated event written after a newer one
 * (clock skew between processes) therefore waits until the newer one expires too.
 */
async function deleteBatch(owner: DB, tenantId: string | null, cutoff: Date, batch: number, now: Date, total: number): Promise<number> {
  return owner.transaction().execute(async (trx) => {
    // audit_events has forced row-level security: even the owner sees a workspace's rows only with it pinned.
    if (tenantId) await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
    const chain = tenantId ? sql`tenant_id = ${tenantId}` : sql`tenant_id is null`;
    const r = await sql`
      delete from audit_events where id in (
        select id from audit_events
        where ${chain} and created_at < ${cutoff}
          and seq < coalesce((select min(seq) from audit_events where ${chain} and created_at >= ${cutoff}), 9223372036854775807)
        order by seq
        limit ${batch})`.execute(trx);
    const n = Number(r.numAffectedRows ?? 0);
    // The last batch of a chain records the purge in the same transaction: the record exists exactly when the
    // final deletion does.
    if (n < batch && total + n > 0) {
      await audit(systemCtx(trx, now, tenantId), "audit.purged", null, { deleted: total + n, before: cutoff.toISOString() });
    }
    return n;
  });
}

async function purgeChain(owner: DB, tenantId: string | null, cutoff: Date, batch: number, now: Date): Promise<PurgeResult> {
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const n = await deleteBatch(owner, tenantId, cutoff, batch, now, deleted);
    batches++;
    deleted += n;
    if (n < batch) return { deleted, batches };
  }
}

/**
 * P11: deletes audit events older than 12 months from every workspace's chain and from the account-event chain,
 * in batches, as the owner role (the app role cannot delete audit rows). Each chain's purge is itself audited
 * ("audit.purged", by the system) when it deleted anything. Safe to run twice: a second run finds nothing.
 */
export async function purgeAuditEvents(owner: DB, now: Date, batch = 1000): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000);
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  const total: PurgeResult = { deleted: 0, batches: 0 };
  for (const tenantId of [null, ...tenants.map((t) => t.id)]) {
    const r = await purgeChain(owner, tenantId, cutoff, batch, now);
    total.deleted += r.deleted;
    total.batches += r.batches;
  }
  return total;
}
