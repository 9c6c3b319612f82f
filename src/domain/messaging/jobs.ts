import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx } from "../context.ts";
import type { DB } from "../db.ts";
export { processInbox } from "./inbox.ts";

export const INBOX_RETENTION_DAYS = 30;
const BATCH = 5000;

/**
 * Deletes raw webhook deliveries older than the retention (owner role). message_inbox is under forced row-level
 * security even for the owner, so the workspaces are walked one by one, in batches, each batch audited.
 */
export async function purgeOldInbox(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000);
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  let total = 0;
  for (const { id: tenantId } of tenants) {
    for (;;) {
      const n = await inTransaction(systemCtx(owner, now, tenantId), async (tx) => {
        const r = await sql`delete from message_inbox where tenant_id = ${tenantId} and id in
          (select id from message_inbox where tenant_id = ${tenantId} and received_at < ${cutoff} limit ${BATCH})`.execute(tx.db);
        const gone = Number(r.numAffectedRows ?? 0);
        if (gone) await audit(tx, "message_inbox.purged", null, { deleted: gone, before: cutoff.toISOString() });
        return gone;
      });
      total += n;
      if (n < BATCH) break;
    }
  }
  return total;
}
