import type { ColumnType, Kysely } from "kysely";
import type { DB } from "../db.ts";
import type { Database } from "../schema.ts";

// The lifecycle columns of `tenants` and the billing tables (migrations/0012_workspace_lifecycle.ts), as Kysely
// sees them. Kept here rather than in schema.ts while this module settles; lifecycleDb() gives a typed handle on
// the same connection (a type cast, nothing more).

export const WORKSPACE_STATUSES = ["active", "cancelled", "suspended", "purging"] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export const SUBSCRIPTION_STATUSES = ["active", "past_due", "lapsed", "cancelled"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Where a workspace is in its life, as the tenant middleware loads it with the membership. */
export interface WorkspaceLifecycle {
  status: WorkspaceStatus;
  cancelledAt: Date | null;
  suspendedAt: Date | null;
  purgeAfter: Date | null;
}

export interface TenantLifecycleColumns {
  status: ColumnType<WorkspaceStatus, WorkspaceStatus | undefined, WorkspaceStatus>;
  cancelled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  suspended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  purge_after: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** P20: the processor's customer id, the card's last four digits and the subscription's state. Nothing else. */
export interface BillingAccountsTable {
  tenant_id: string;
  customer_id: string;
  card_last4: string | null;
  status: SubscriptionStatus;
  period_end: Date | null;
  /** When the processor said so (the event's own time): an older event that arrives late changes nothing. */
  status_at: Date;
  created_at: Date;
  updated_at: Date;
}

export interface BillingEventsTable {
  tenant_id: string;
  event_id: string;
  received_at: Date;
}

export interface LifecycleTables {
  tenants: TenantLifecycleColumns;
  billing_accounts: BillingAccountsTable;
  billing_events: BillingEventsTable;
}

export type LifecycleDB = Kysely<Database & LifecycleTables>;

export function lifecycleDb(db: DB): LifecycleDB {
  return db as unknown as LifecycleDB;
}
