import { sql } from "kysely";
import type { DB } from "../db.ts";
export { processInbox } from "./inbox.ts";

export const INBOX_RETENTION_DAYS = 30;

/** Deletes raw webhook deliveries older than the retention, across workspaces (owner role), in batches. */
export async function purgeOldInbox(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000);
  let total = 0;
  for (;;) {
    const r = await sql`delete from message_inbox where ctid in (select ctid from message_inbox where received_at < ${cutoff} limit 5000)`.execute(owner);
    const n = Number(r.numAffectedRows ?? 0);
    total += n;
    if (n < 5000) return total;
  }
}
