import type { TableEntry } from "../datamap.ts";

// The request, erasure and ledger tables (migrations/0008_privacy_requests.ts). A request's personal columns are
// cleared when it reaches a final state; what stays is ids, dates and counts (P18).
export const requestsDataMap: TableEntry[] = [
  {
    table: "privacy_requests",
    purpose:
      "Privacy requests (access, erasure, rectification) about a member, a CRM contact or lead, or an address: who asked, state, due date (received + 30 days), decision and, once done, counts per table.",
    tenantColumn: "tenant_id",
    personal: ["subject_email", "requester_email", "details"],
    subjects: [
      { column: "subject_user_id", kind: "user" },
      { column: "subject_contact_id", kind: "contact" },
      { column: "subject_lead_id", kind: "lead" },
      { column: "subject_email", kind: "email" },
      { column: "requester_email", kind: "email" },
      { column: "decided_by", kind: "user" },
      { column: "created_by", kind: "user" },
    ],
    export: {
      personal: ["id", "type", "state", "received_at", "due_at", "completed_at"],
      workspace: ["id", "type", "source", "subject_kind", "state", "received_at", "due_at", "verified_at", "decided_by", "decided_at", "reason", "scheduled_for", "completed_at", "result_counts"],
    },
    erasure: { kind: "anonymise", columns: ["subject_email", "requester_email", "details"] },
  },
  {
    table: "privacy_request_events",
    purpose: "Every state change of a privacy request: action, from and to state, who and when (append-only).",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "actor_id", kind: "user" }],
    export: { workspace: ["request_id", "action", "from_state", "to_state", "actor_id", "created_at"] },
    erasure: { kind: "pseudonymise", columns: ["actor_id"] },
  },
  {
    table: "privacy_verification_codes",
    purpose: "Hash of the 6-digit code that verifies an outside requester's address; 10 minutes, a few attempts.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
    retentionDays: 1,
  },
  {
    table: "deletion_ledger",
    purpose:
      "P24: which rows each erasure deleted or rewrote, by id only (never personal data), so erasures can be replayed after a restore. Its subject ids are the ids of people already erased and are kept on purpose.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
  },
  {
    table: "account_erasures",
    purpose: "P15: a user's request to delete their account: when it was asked, the grace period, cancellation, and once done counts per table (the user id is cleared by the purge).",
    tenantColumn: null,
    personal: [],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["id", "state", "requested_at", "scheduled_for"] },
    erasure: { kind: "pseudonymise", columns: ["user_id"] },
  },
];
