import type { TableEntry } from "../datamap.ts";

/** The webhooks module's tables in the data map (src/domain/datamap.ts merges them; its catalogue test covers them). */
export const webhooksDataMap: TableEntry[] = [
  {
    table: "webhook_subscriptions",
    purpose: "Outbound webhooks an admin configured: target URL, event types, signing secret, paused or active.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "created_by", kind: "user" }],
    // The signing secret is never exported.
    export: { workspace: ["id", "url", "description", "events", "active", "created_by", "created_at", "updated_at"] },
    erasure: { kind: "pseudonymise", columns: ["created_by"] },
  },
  {
    table: "webhook_events",
    purpose: "CRM record events sent to webhooks: type, record id, changed field names and values of non-personal fields only.",
    tenantColumn: "tenant_id",
    personal: [],
    // The record may be a contact or a lead: erasing that person deletes its events (and their deliveries).
    subjects: [
      { column: "record_id", kind: "contact" },
      { column: "record_id", kind: "lead" },
    ],
    export: { workspace: ["id", "type", "record_type", "record_id", "occurred_at", "payload"] },
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
  {
    table: "webhook_deliveries",
    purpose: "Delivery log of webhook events: status, attempts, next attempt, response code and a short response excerpt.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "subscription_id", "event_id", "status", "attempts", "last_attempt_at", "response_code", "created_at"] },
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
];
