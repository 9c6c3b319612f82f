import type { Selectable } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import type { PrivacyRequestsTable } from "./request-tables.ts";
import { isFinal, transition, type RequestAction } from "./state-machine.ts";

export type PrivacyRequest = Selectable<PrivacyRequestsTable>;

const AUDIT_VERB: Record<RequestAction["type"], string> = {
  verify: "verified",
  approve: "approved",
  deny: "denied",
  schedule: "scheduled",
  start: "started",
  complete: "completed",
  fail: "failed",
  retry: "retried",
  cancel: "cancelled",
};

export async function loadRequest(tx: Ctx, id: string, opts: { lock?: boolean } = {}): Promise<PrivacyRequest> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFound();
  let q = tx.db.selectFrom("privacy_requests").selectAll().where("tenant_id", "=", tx.tenantId!).where("id", "=", id);
  if (opts.lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/**
 * Takes one action on a request in the caller's transaction: the state machine decides, the row changes, the
 * transition is appended to its events and audited. Reaching a final state clears the request's personal columns,
 * so what stays is ids, dates and counts (P18).
 */
export async function applyAction(tx: Ctx, req: PrivacyRequest, action: RequestAction, extra: { result_counts?: Record<string, number> } = {}): Promise<PrivacyRequest> {
  const r = transition(req, action, tx.now);
  if (!r.ok) {
    if (action.type === "deny") throw new Invalid({ reason: r.error });
    throw new Conflict(r.error);
  }
  const n = r.next;
  const decides = action.type === "approve" || action.type === "deny";
  const patch: Partial<PrivacyRequest> = {
    state: n.state,
    verified_at: n.verified_at,
    reason: n.reason,
    scheduled_for: n.scheduled_for,
    completed_at: n.completed_at,
    failure: n.failure,
    decided_at: n.decided_at,
    updated_at: tx.now,
    ...(decides ? { decided_by: tx.actor?.type === "user" ? tx.actor.id : null } : {}),
    ...(isFinal(n.state) ? { subject_email: null, requester_email: null, details: null } : {}),
    ...(extra.result_counts ? { result_counts: extra.result_counts } : {}),
  };
  await tx.db.updateTable("privacy_requests").set(patch).where("tenant_id", "=", req.tenant_id).where("id", "=", req.id).execute();
  await tx.db
    .insertInto("privacy_request_events")
    .values({
      tenant_id: req.tenant_id,
      id: Bun.randomUUIDv7(),
      request_id: req.id,
      action: action.type,
      from_state: req.state,
      to_state: n.state,
      actor_id: tx.actor?.type === "user" ? tx.actor.id : null,
      created_at: tx.now,
    })
    .execute();
  await audit(tx, `privacy_request.${AUDIT_VERB[action.type]}`, { type: "privacy_request", id: req.id }, { state: { from: req.state, to: n.state } });
  return { ...req, ...patch } as PrivacyRequest;
}

/** The staff actions on one request, each one transaction, each audited (privacy.manage only). */
export async function actOnRequest(ctx: Ctx, id: string, action: RequestAction): Promise<PrivacyRequest> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const req = await loadRequest(tx, id, { lock: true });
    if (action.type === "complete" && req.type === "erasure") throw new Conflict("An erasure is completed by its job once it has run; schedule it instead.");
    const next = await applyAction(tx, req, action);
    // Erasures run as a job at their time; a retried one runs again at once.
    if (req.type === "erasure" && (action.type === "schedule" || action.type === "retry")) {
      const runAt = action.type === "schedule" ? action.at : tx.now;
      await enqueue(tx, "person-erasure", { tenantId: req.tenant_id, requestId: req.id }, { runAt, jobKey: `person-erasure:${req.id}`, maxAttempts: 1 });
    }
    return next;
  });
}
