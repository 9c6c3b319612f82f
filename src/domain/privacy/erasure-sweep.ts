import { inTransaction, systemCtx } from "../context.ts";
import type { DB } from "../db.ts";
import { dueAccountErasures, runAccountErasure } from "./erasure-account.ts";
import { runPersonErasure } from "./erasure-person.ts";
import { applyAction, loadRequest } from "./request-transitions.ts";

const UNVERIFIED_HOURS = 24;

/**
 * Hourly safety net behind the run_at jobs: runs every erasure whose time has come (a lost job, a worker that was
 * down), and closes public requests whose address was never verified within a day, which clears their address.
 */
export async function sweepErasures(owner: DB, now: Date): Promise<{ accounts: number; people: number; abandoned: number }> {
  let accounts = 0;
  for (const id of await dueAccountErasures(owner, now)) if ((await runAccountErasure(owner, now, id)) === "done") accounts++;
  const due = await owner
    .selectFrom("privacy_requests")
    .select(["tenant_id", "id"])
    .where("state", "=", "scheduled")
    .where("scheduled_for", "<=", now)
    .orderBy("scheduled_for")
    .limit(100)
    .execute();
  let people = 0;
  for (const r of due) if ((await runPersonErasure(owner, now, r.tenant_id, r.id)) === "done") people++;
  const stale = await owner
    .selectFrom("privacy_requests")
    .select(["tenant_id", "id"])
    .where("state", "=", "identity_unverified")
    .where("source", "=", "public")
    .where("received_at", "<", new Date(now.getTime() - UNVERIFIED_HOURS * 3600_000))
    .limit(500)
    .execute();
  for (const r of stale) {
    await inTransaction(systemCtx(owner, now, r.tenant_id), async (tx) => {
      const req = await loadRequest(tx, r.id, { lock: true });
      if (req.state === "identity_unverified") await applyAction(tx, req, { type: "cancel" });
    });
  }
  return { accounts, people, abandoned: stale.length };
}
