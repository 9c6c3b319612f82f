import type { ColumnType } from "kysely";

// The webhooks module's tables, as Kysely sees them. src/domain/schema.ts merges them into Database.

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export interface WebhookSubscriptionsTable {
  tenant_id: string;
  id: string;
  url: string;
  description: string | null;
  events: string[];
  secret: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Written by the audit trigger (migrations/0021_webhooks.ts); the app only fills in the payload. */
export interface WebhookEventsTable {
  tenant_id: string;
  id: string;
  audit_event_id: string;
  type: string;
  record_type: string;
  record_id: string;
  occurred_at: Date;
  payload: ColumnType<Record<string, unknown> | null, never, Record<string, unknown>>;
}

export interface WebhookDeliveriesTable {
  tenant_id: string;
  id: string;
  subscription_id: string;
  event_id: string;
  status: ColumnType<DeliveryStatus, never, DeliveryStatus>;
  attempts: ColumnType<number, never, number>;
  resent_at_attempt: ColumnType<number, never, number>;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  response_code: number | null;
  response_excerpt: string | null;
  error: string | null;
  created_at: Date;
}

export interface WebhooksTables {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
