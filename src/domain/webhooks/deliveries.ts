import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { NotFound } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import { buildPayload } from "./payload.ts";
import { isUuid } from "./subscriptions.ts";
import { SIGNATURE_HEADER, signature } from "./signing.ts";
import type { DeliveryStatus } from "./tables.ts";
import { assertPublicTarget, type TargetPolicy } from "./targets.ts";

// One delivery per (event, subscription), sent by the `webhook-deliver` job. Retries follow our own schedule
// (not graphile-worker's) so the log can show when the next attempt is due: 30 s, then ×4 each time, capped at a
// day, 8 attempts in all (about two days). A re-send by hand grants a fresh budget. Delivery is at least once:
// receivers dedupe on the event id.

export const MAX_ATTEMPTS = 8;
export const DELIVERY_PAGE = 50;
export const RETENTION_DAYS = 30;

export function backoffMs(attempt: number): number {
  return Math.min(30_000 * 4 ** (attempt - 1), 86_400_000);
}

export interface DeliverySettings extends TargetPolicy {
  timeoutMs: number;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  type: string;
  record_type: string;
  record_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  response_code: number | null;
  response_excerpt: string | null;
  error: string | null;
  created_at: Date;
}

/** A subscription's delivery log, newest first, by keyset (`before` is the last id of the previous page). */
export async function listDeliveries(ctx: Ctx, subscriptionId: string, before: string | null): Promise<{ rows: DeliveryRow[]; next: string | null }> {
  authorize(ctx, "settings.manage");
  if (!isUuid(subscriptionId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_events as e", (j) => j.onRef("e.tenant_id", "=", "d.tenant_id").onRef("e.id", "=", "d.event_id"))
      .select(["d.id", "d.event_id", "e.type", "e.record_type", "e.record_id", "d.status", "d.attempts", "d.next_attempt_at", "d.last_attempt_at", "d.response_code", "d.response_excerpt", "d.error", "d.created_at"])
      .where("d.tenant_id", "=", tx.tenantId!)
      .where("d.subscription_id", "=", subscriptionId);
    if (before && isUuid(before)) q = q.where("d.id", "<", before);
    const rows = await q.orderBy("d.id", "desc").limit(DELIVERY_PAGE + 1).execute();
    const more = rows.length > DELIVERY_PAGE;
    const page = rows.slice(0, DELIVERY_PAGE);
    return { rows: page, next: more ? page[page.length - 1]!.id : null };
  });
}

/** Sends a delivery again now, whatever its state, with a fresh retry budget. */
export async function resendDeliveryLater(ctx: Ctx, subscriptionId: string, deliveryId: string): Promise<void> {
  authorize(ctx, "settings.manage");
  if (!isUuid(subscriptionId) || !isUuid(deliveryId)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .updateTable("webhook_deliveries")
      .set((eb) => ({ status: "pending", next_attempt_at: tx.now, resent_at_attempt: eb.ref("attempts"), error: null }))
      .where("tenant_id", "=", tx.tenantId!)
      .where("subscription_id", "=", subscriptionId)
      .where("id", "=", deliveryId)
      .returning("event_id")
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await enqueue(tx, "webhook-deliver", { tenantId: tx.tenantId!, deliveryId }, { jobKey: `webhook-delivery:${deliveryId}` });
    await audit(tx, "webhook.resent", { type: "webhook", id: subscriptionId }, { delivery_id: deliveryId, event_id: row.event_id });
  });
}

interface Attempt {
  code: number | null;
  excerpt: string | null;
  error: string | null;
}

/** Reads at most `max` characters of a response body, then lets the rest go. */
async function excerpt(res: Response, max = 200): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, max) || null;
}

async function post(url: string, secret: string, body: string, headers: Record<string, string>, now: Date, settings: DeliverySettings): Promise<Attempt> {
  try {
    await assertPublicTarget(url, settings);
    const res = await fetch(url, {
      method: "POST",
      body,
      // Never follow a redirect: the admin chose this URL, not wherever it points next.
      redirect: "manual",
      signal: AbortSignal.timeout(settings.timeoutMs),
      headers: { "content-type": "application/json", "user-agent": "Steward-Webhooks/1", [SIGNATURE_HEADER]: signature(secret, Math.floor(now.getTime() / 1000), body), ...headers },
    });
    const text = await excerpt(res).catch(() => null);
    return { code: res.status, excerpt: text, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error;
    const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
    return { code: null, excerpt: null, error: (timedOut ? `Timed out after ${settings.timeoutMs} ms` : e.message || "Request failed").slice(0, 500) };
  }
}

export type DeliverOutcome = "succeeded" | "retrying" | "failed" | "skipped";

/**
 * One attempt of one delivery (the job's work). The row is read and updated in short transactions: no database
 * transaction stays open while the receiver is being waited on.
 */
export async function deliver(app: DB, tenantId: string, deliveryId: string, now: Date, settings: DeliverySettings): Promise<DeliverOutcome> {
  const ctx = systemCtx(app, now, tenantId);
  const job = await inTransaction(ctx, async (tx) => {
    const d = await tx.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhook_subscriptions as s", (j) => j.onRef("s.tenant_id", "=", "d.tenant_id").onRef("s.id", "=", "d.subscription_id"))
      .innerJoin("webhook_events as e", (j) => j.onRef("e.tenant_id", "=", "d.tenant_id").onRef("e.id", "=", "d.event_id"))
      .select(["d.id", "d.status", "d.attempts", "d.resent_at_attempt", "s.url", "s.secret", "s.active", "e.id as event_id", "e.payload", "e.audit_event_id", "e.type"])
      .where("d.tenant_id", "=", tenantId)
      .where("d.id", "=", deliveryId)
      .executeTakeFirst();
    // Gone (subscription deleted), settled or paused. When it is due is the queue's run_at (one job per delivery).
    if (!d || d.status === "succeeded" || d.status === "failed" || !d.active) return null;
    let payload: object | null = d.payload;
    if (!payload) {
      payload = await buildPayload(tx, d.event_id, d.audit_event_id, d.type);
      await sql`update webhook_events set payload = coalesce(payload, ${payload}::jsonb) where tenant_id = ${tenantId} and id = ${d.event_id}`.execute(tx.db);
    }
    return { ...d, payload };
  });
  if (!job) return "skipped";
  const body = JSON.stringify(job.payload);
  const r = await post(job.url, job.secret, body, { "Steward-Event-Id": job.event_id, "Steward-Delivery-Id": deliveryId }, now, settings);
  const attempts = job.attempts + 1;
  const ok = r.code !== null && r.code >= 200 && r.code < 300;
  const status: DeliveryStatus = ok ? "succeeded" : attempts - job.resent_at_attempt >= MAX_ATTEMPTS ? "failed" : "retrying";
  const nextAt = status === "retrying" ? new Date(now.getTime() + backoffMs(attempts - job.resent_at_attempt)) : null;
  await inTransaction(ctx, async (tx) => {
    await tx.db
      .updateTable("webhook_deliveries")
      .set({ status, attempts, last_attempt_at: now, next_attempt_at: nextAt, response_code: r.code, response_excerpt: r.excerpt, error: r.error })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", deliveryId)
      .execute();
    if (nextAt) await enqueue(tx, "webhook-deliver", { tenantId, deliveryId }, { runAt: nextAt, jobKey: `webhook-delivery:${deliveryId}` });
  });
  return status;
}

/** Retention: events (and their deliveries) older than 30 days go. Idempotent. */
export async function purgeOldWebhookEvents(owner: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - RETENTION_DAYS * 86_400_000);
  // Forced row-level security applies to the owner too: walk the workspaces that have subscriptions.
  const tenants = await sql<{ tenant_id: string }>`select id as tenant_id from tenants order by id`.execute(owner);
  let total = 0;
  for (const { tenant_id } of tenants.rows) {
    total += await inTransaction(systemCtx(owner, now, tenant_id), async (tx) => {
      const gone = await tx.db.deleteFrom("webhook_events").where("tenant_id", "=", tenant_id).where("occurred_at", "<", cutoff).returning("id").execute();
      return gone.length;
    });
  }
  return total;
}
