import { inTransaction, type Ctx } from "../context.ts";

// Idempotency-Key on POST (issue 9 item 4): the first response to a key is stored with a hash of its request and
// replayed to a repeat from the same credential for a day, so a retried create never creates twice. A row with
// status 0 is a request still running; one left behind by a crash is taken over after a minute.

export const IDEMPOTENCY_HOURS = 24;
const IN_FLIGHT_STALE_MS = 60_000;

export type Claim = { kind: "new" } | { kind: "replay"; status: number; body: unknown } | { kind: "mismatch" } | { kind: "in-flight" };

export async function claimIdempotencyKey(ctx: Ctx, credentialId: string, key: string, requestHash: string): Promise<Claim> {
  return inTransaction(ctx, async (tx) => {
    const expired = new Date(tx.now.getTime() - IDEMPOTENCY_HOURS * 3600_000);
    // Old records of this credential go here; nothing else keeps them.
    await tx.db.deleteFrom("api_idempotency").where("tenant_id", "=", tx.tenantId!).where("credential_id", "=", credentialId).where("created_at", "<", expired).execute();
    const inserted = await tx.db
      .insertInto("api_idempotency")
      .values({ tenant_id: tx.tenantId!, credential_id: credentialId, idempotency_key: key, request_hash: requestHash, status: 0, body: null, created_at: tx.now })
      .onConflict((oc) => oc.doNothing())
      .returning("status")
      .executeTakeFirst();
    if (inserted) return { kind: "new" };
    const row = await tx.db
      .selectFrom("api_idempotency")
      .select(["request_hash", "status", "body", "created_at"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("credential_id", "=", credentialId)
      .where("idempotency_key", "=", key)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.request_hash !== requestHash) return { kind: "mismatch" };
    if (row.status !== 0) return { kind: "replay", status: row.status, body: row.body };
    if (tx.now.getTime() - row.created_at.getTime() < IN_FLIGHT_STALE_MS) return { kind: "in-flight" };
    await tx.db.updateTable("api_idempotency").set({ created_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("credential_id", "=", credentialId).where("idempotency_key", "=", key).execute();
    return { kind: "new" };
  });
}

/** Stores the response (or, for a server error, frees the key so that a retry runs again). */
export async function settleIdempotencyKey(ctx: Ctx, credentialId: string, key: string, status: number, body: unknown): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    if (status >= 500) {
      await tx.db.deleteFrom("api_idempotency").where("tenant_id", "=", tx.tenantId!).where("credential_id", "=", credentialId).where("idempotency_key", "=", key).execute();
      return;
    }
    await tx.db.updateTable("api_idempotency").set({ status, body: body ?? null }).where("tenant_id", "=", tx.tenantId!).where("credential_id", "=", credentialId).where("idempotency_key", "=", key).execute();
  });
}
