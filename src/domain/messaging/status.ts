import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import type { EventStatus, MessageStatus } from "./tables.ts";

// One ordered scale for every channel: queued < sent < delivered < read. failed and undelivered are final, and a
// failure can only land before delivery (a provider's late "failed" after "delivered" is kept as an event but
// does not undo the delivery). Callbacks arrive late and out of order; the scale makes each update a one-way
// move, decided in the UPDATE itself so two webhooks racing on one message cannot step it backwards.

export const RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, delivered: 2, read: 3, received: 3, failed: 9, undelivered: 9 };
export const FINAL = new Set<MessageStatus>(["read", "received", "failed", "undelivered"]);

/** Whether a message at `from` may move to `to`. */
export function canMove(from: MessageStatus, to: MessageStatus): boolean {
  if (FINAL.has(from) || from === to) return false;
  if (RANK[to] === 9) return RANK[from] <= RANK.sent;
  return RANK[to] > RANK[from];
}

/**
 * Records a status report for a message: always as an event (the history is append-only), and on the message only
 * if it moves it forwards. Returns whether the message moved.
 */
export async function reportStatus(
  tx: Ctx,
  messageId: string,
  status: EventStatus,
  source: "app" | "job" | "webhook" | "smtp",
  detail: string | null = null,
  error: string | null = null,
): Promise<boolean> {
  await addEvent(tx, messageId, status, source, detail);
  if (!(status in RANK)) return false;
  const to = status as MessageStatus;
  const failure = RANK[to] === 9;
  const r = await sql`
    update messages set status = ${to}, updated_at = ${tx.now}, error = coalesce(${error}, error)
    where tenant_id = ${tx.tenantId} and id = ${messageId}
      and status not in ('read', 'received', 'failed', 'undelivered')
      and ${failure ? sql`status_rank <= 1` : sql`status_rank < ${RANK[to]}`}`.execute(tx.db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export async function addEvent(tx: Ctx, messageId: string, status: EventStatus, source: "app" | "job" | "webhook" | "smtp", detail: string | null = null) {
  await tx.db
    .insertInto("message_events")
    .values({ tenant_id: tx.tenantId!, id: Bun.randomUUIDv7(), message_id: messageId, status, source, detail: detail?.slice(0, 500) ?? null, occurred_at: tx.now })
    .execute();
}
