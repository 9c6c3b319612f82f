// The event types a subscription can choose. The audit trigger in migrations/0021_webhooks.ts maps audit actions
// onto these (created, deleted; updated also for merges, conversions, won/lost/reopen; a deal's stage change).

export const RECORD_KINDS = ["company", "contact", "lead", "deal"] as const;

export const EVENT_TYPES = [
  ...RECORD_KINDS.flatMap((k) => [`${k}.created`, `${k}.updated`, `${k}.deleted`]),
  "deal.stage_changed",
  "message.received",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export const isEventType = (v: string): v is EventType => (EVENT_TYPES as readonly string[]).includes(v);

/** The data map's table for each record kind, whose `personal` list decides which values a payload may carry. */
export const RECORD_TABLES: Record<string, string> = { company: "companies", contact: "contacts", lead: "leads", deal: "deals" };
