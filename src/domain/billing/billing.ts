import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Actor, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { purgeDate, UNPAID } from "../tenancy/lifecycle.ts";
import { lifecycleDb, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from "../tenancy/lifecycle-tables.ts";

// P17 and P20. The payment processor tells Steward about a workspace's subscription through a signed webhook
// (billing-signature.ts). Steward keeps the customer id, the card's last four digits, the status and the period
// end, and nothing else: the event is parsed into exactly those fields and the rest of the body is dropped unread.
// A lapsed (or ended) subscription suspends an active workspace (read-only, deleted after 30 days); a payment
// that goes through before then makes it active again.

/** The one event type that moves anything. Others are acknowledged and ignored. */
export const SUBSCRIPTION_EVENT = "subscription.updated";

const Envelope = z.object({
  id: z.string().min(1).max(255).regex(/^[A-Za-z0-9_.:-]+$/),
  type: z.string().min(1).max(100),
  created: z.number().int().positive().max(99_999_999_999),
  data: z.unknown(),
});

// z.object drops every key it does not name: a card number sent by mistake never reaches a query or a log.
const SubscriptionData = z.object({
  customer: z.string().min(1).max(255),
  status: z.enum(SUBSCRIPTION_STATUSES),
  current_period_end: z.number().int().positive().max(99_999_999_999).nullable().optional(),
  // Exactly four digits or nothing: anything longer is not stored, whatever it is.
  card_last4: z.string().regex(/^[0-9]{4}$/).optional().catch(undefined),
  // Steward's workspace id, which checkout passes along: links a customer the first time it is seen.
  workspace: z.uuid().optional().catch(undefined),
});

export interface BillingEvent {
  id: string;
  type: string;
  created: Date;
  data: z.output<typeof SubscriptionData> | null;
}

/** Parses a delivery's JSON; null when it is not an event at all (400). Unknown event types parse, data-less. */
export function parseBillingEvent(json: unknown): BillingEvent | null {
  const env = Envelope.safeParse(json);
  if (!env.success) return null;
  const created = new Date(env.data.created * 1000);
  if (env.data.type !== SUBSCRIPTION_EVENT) return { id: env.data.id, type: env.data.type, created, data: null };
  const data = SubscriptionData.safeParse(env.data.data);
  return data.success ? { id: env.data.id, type: env.data.type, created, data: data.data } : null;
}

export type BillingOutcome = "applied" | "duplicate" | "out-of-order" | "unknown-customer" | "ignored";

const PROCESSOR: Actor = { type: "system", id: null, label: "Payment processor" };

/**
 * Applies one verified event, idempotently: its id is remembered per workspace, so a retry or a replay within the
 * signature window changes nothing. An event older than the last one applied (deliveries can arrive out of order)
 * is remembered and otherwise ignored.
 */
export async function receiveBillingEvent(db: DB, now: Date, event: BillingEvent): Promise<BillingOutcome> {
  const d = event.data;
  if (!d) return "ignored";
  const r = await sql<{ id: string | null }>`select app_private.billing_customer_workspace(${d.customer}) as id`.execute(db);
  const known = r.rows[0]?.id ?? null;
  const tenantId = known ?? d.workspace ?? null;
  if (!tenantId) return "unknown-customer";
  const ctx: Ctx = { db, tenantId, actor: PROCESSOR, now, ip: null, userAgent: null };
  return inTransaction(ctx, async (tx) => {
    const ldb = lifecycleDb(tx.db);
    if (!known) {
      // First sight of this customer: only for a workspace that exists and has no customer yet.
      const t = await ldb.selectFrom("tenants").select("id").where("id", "=", tenantId).executeTakeFirst();
      const linked = t && (await ldb.selectFrom("billing_accounts").select("tenant_id").where("tenant_id", "=", tenantId).executeTakeFirst());
      if (!t || linked) return "unknown-customer";
    }
    const fresh = await ldb.insertInto("billing_events").values({ tenant_id: tenantId, event_id: event.id, received_at: tx.now }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (Number(fresh.numInsertedOrUpdatedRows ?? 0) === 0) return "duplicate";

    const values = { status: d.status, period_end: d.current_period_end ? new Date(d.current_period_end * 1000) : null, status_at: event.created, updated_at: tx.now };
    const before = await ldb.selectFrom("billing_accounts").select(["status", "period_end", "status_at", "card_last4"]).where("tenant_id", "=", tenantId).forUpdate().executeTakeFirst();
    if (!before) {
      const ins = await ldb
        .insertInto("billing_accounts")
        .values({ tenant_id: tenantId, customer_id: d.customer, card_last4: d.card_last4 ?? null, created_at: tx.now, ...values })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      // The customer id went to another workspace in the meantime: not ours to link.
      if (Number(ins.numInsertedOrUpdatedRows ?? 0) === 0) throw new Error("billing: customer linked concurrently; the processor will retry");
      await audit(tx, "billing.linked", { type: "workspace", id: tenantId }, { status: d.status });
    } else {
      if (before.status_at > event.created) return "out-of-order";
      await ldb
        .updateTable("billing_accounts")
        .set({ ...values, ...(d.card_last4 && { card_last4: d.card_last4 }) })
        .where("tenant_id", "=", tenantId)
        .execute();
      if (before.status !== d.status) await audit(tx, "billing.updated", { type: "workspace", id: tenantId }, { status: { from: before.status, to: d.status } });
    }
    await followSubscription(tx, d.status);
    return "applied";
  });
}

/** P17: the workspace follows its subscription: unpaid suspends an active workspace, paid resumes a suspended one. */
async function followSubscription(tx: Ctx, status: SubscriptionStatus): Promise<void> {
  const ldb = lifecycleDb(tx.db);
  const t = await ldb.selectFrom("tenants").select(["id", "status"]).where("id", "=", tx.tenantId!).forUpdate().executeTakeFirstOrThrow();
  if (UNPAID.has(status) && t.status === "active") {
    const purgeAfter = purgeDate(tx.now);
    await ldb.updateTable("tenants").set({ status: "suspended", suspended_at: tx.now, purge_after: purgeAfter, updated_at: tx.now }).where("id", "=", t.id).execute();
    await audit(tx, "workspace.suspended", { type: "workspace", id: t.id }, { status: { from: "active", to: "suspended" }, subscription: status, purge_after: purgeAfter.toISOString() });
  } else if (status === "active" && t.status === "suspended") {
    await ldb.updateTable("tenants").set({ status: "active", suspended_at: null, purge_after: null, updated_at: tx.now }).where("id", "=", t.id).execute();
    await audit(tx, "workspace.resumed", { type: "workspace", id: t.id }, { status: { from: "suspended", to: "active" }, subscription: status });
  }
}
