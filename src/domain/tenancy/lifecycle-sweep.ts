import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx } from "../context.ts";
import type { Db } from "../db.ts";
import { purgeWorkspaceLater } from "../privacy/workspace-purge.ts";
import { lifecycleDb } from "./lifecycle-tables.ts";

/** Workspaces handed to the purge per run; the rest wait for the next day's run (or a rerun). */
const BATCH = 500;

/**
 * Daily (workspace-lifecycle job): every cancelled or suspended workspace whose 30 days are over becomes
 * 'purging' and its purge is queued, in one transaction each. Each is checked again under a lock, so an owner's
 * reactivation or a payment that lands at the same moment wins or loses cleanly, never half. Idempotent: a
 * workspace already purging is not picked again, and the purge job is keyed by workspace.
 */
export async function sweepWorkspaceLifecycle(db: Pick<Db, "owner" | "app">, now: Date): Promise<{ queued: string[] }> {
  // The owner role lists across workspaces; each change then runs as the app role, pinned to its workspace.
  const due = await lifecycleDb(db.owner)
    .selectFrom("tenants")
    .select("id")
    .where("status", "in", ["cancelled", "suspended"])
    .where("purge_after", "<=", now)
    .orderBy("purge_after")
    .limit(BATCH)
    .execute();
  const queued: string[] = [];
  for (const { id } of due) {
    const done = await inTransaction(systemCtx(db.app, now, id), async (tx) => {
      const ldb = lifecycleDb(tx.db);
      const t = await ldb.selectFrom("tenants").select(["status", "purge_after"]).where("id", "=", id).forUpdate().executeTakeFirst();
      if (!t || (t.status !== "cancelled" && t.status !== "suspended") || !t.purge_after || t.purge_after > now) return false;
      const reason = t.status === "cancelled" ? "cancelled" : "lapsed";
      await ldb.updateTable("tenants").set({ status: "purging", updated_at: now }).where("id", "=", id).execute();
      await audit(tx, "workspace.purge_queued", { type: "workspace", id }, { status: { from: t.status, to: "purging" }, reason });
      await purgeWorkspaceLater(tx, id, reason);
      return true;
    });
    if (done) queued.push(id);
  }
  return { queued };
}
