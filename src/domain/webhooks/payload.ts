import type { Ctx } from "../context.ts";
import { dataMap } from "../datamap.ts";
import { RECORD_TABLES } from "./events.ts";

// What a receiver learns about a change: which record, which fields changed, and the values of only those fields
// the data map does not list as personal (names, emails, phones, addresses and custom values of people never
// leave in a webhook; the receiver fetches them through the API if it is allowed to).

export interface WebhookPayload {
  id: string;
  type: string;
  occurred_at: string;
  record: { type: string; id: string };
  changed: string[];
  values: Record<string, unknown>;
  message?: { id: string; channel: string | null };
}

/** Columns of a record table whose values may travel: the workspace export's columns minus the personal ones. */
export function shareableColumns(recordType: string): Set<string> {
  const entry = dataMap.find((e) => e.table === RECORD_TABLES[recordType]);
  if (!entry) return new Set();
  return new Set((entry.export.workspace ?? []).filter((c) => c !== "*" && !entry.personal.includes(c)));
}

/** The payload of one event, from its audit row (ids and changes; the row holds no secrets, audit() redacts them). */
export async function buildPayload(tx: Ctx, eventId: string, auditEventId: string, type: string): Promise<WebhookPayload> {
  const row = await tx.db
    .selectFrom("audit_events")
    .select(["action", "target_type", "target_id", "changes", "created_at"])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", auditEventId)
    .executeTakeFirst();
  const ev = await tx.db.selectFrom("webhook_events").select(["record_type", "record_id", "occurred_at"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", eventId).executeTakeFirstOrThrow();
  const changes = (row?.changes ?? {}) as Record<string, unknown>;
  const payload: WebhookPayload = { id: eventId, type, occurred_at: ev.occurred_at.toISOString(), record: { type: ev.record_type, id: ev.record_id }, changed: [], values: {} };
  if (type === "message.received") {
    payload.message = { id: String(changes.message ?? ""), channel: typeof changes.channel === "string" ? changes.channel : null };
    return payload;
  }
  const shareable = shareableColumns(ev.record_type);
  for (const [key, value] of Object.entries(changes)) {
    // Custom fields are audited as `custom.<key>`: they share the `custom` column's rule.
    const column = key.startsWith("custom.") ? "custom" : key;
    payload.changed.push(key);
    if (shareable.has(column)) payload.values[key] = value;
  }
  if (type === "deal.stage_changed" && "stage_id" in changes) payload.values.stage_id = changes.stage_id;
  return payload;
}
