import type { TableEntry } from "../datamap.ts";

// P20: billing holds no personal data and nothing about payment beyond the processor's customer id, the card's last
// four digits and the subscription's state. Both tables go with the workspace (purge).
export const billingDataMap: TableEntry[] = [
  {
    table: "billing_accounts",
    purpose: "The workspace's subscription as the payment processor reports it: customer id, card's last four digits, status and period end (P20). Nothing else about payment.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["status", "card_last4", "period_end", "created_at", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "billing_events",
    purpose: "Ids of the processor's webhook events already applied, so a retry or replay changes nothing. Ids and times only.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
  },
];
