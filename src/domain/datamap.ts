// The data map: every table that holds workspace or personal data, and how it is exported and erased.
// Exports, erasure, tenant purges and retention read this map; a catalogue test (test/domain/datamap.test.ts)
// fails when a table exists that is neither mapped here nor exempted below with a reason.

import { billingDataMap } from "./billing/billing-datamap.ts";
import { capacityDataMap } from "./capacity/datamap.ts";
import { privacyDataMap } from "./privacy/datamap.ts";
import { crewsDataMap } from "./crews/datamap.ts";
import { apiDataMap } from "./api/datamap.ts";
import { leadFormsDataMap } from "./leadforms/datamap.ts";
import { messagingDataMap } from "./messaging/datamap.ts";
import { webhooksDataMap } from "./webhooks/datamap.ts";

export type Erasure =
  /** Delete the rows that link to the person. */
  | { kind: "delete" }
  /** Keep the row for the workspace, overwrite these columns. */
  | { kind: "anonymise"; columns: string[] }
  /** Keep the row, replace the author columns by a pseudonym. */
  | { kind: "pseudonymise"; columns: string[] };

export interface TableEntry {
  table: string;
  /** What the table is for, in a sentence a privacy reviewer can read. */
  purpose: string;
  /** The column holding the workspace, or null for platform tables. */
  tenantColumn: string | null;
  /** Columns that hold personal data. */
  personal: string[];
  /** Columns that link a row to a user (`user`) or to a CRM data subject by email (`email`). */
  subjects: { column: string; kind: "user" | "email" | "contact" | "lead" }[];
  /** Which exports include it, and which columns ("*": every column). */
  export: { personal?: string[]; workspace?: string[] };
  erasure: Erasure;
  /** Rows are deleted by a scheduled job after this many days, if they are. */
  retentionDays?: number;
}

const PERSONAL_AUTHORED = {
  activities: ["id", "kind", "occurred_at", "created_at"],
  tasks: ["id", "title", "due_on", "done_at", "created_at"],
  notes: ["id", "created_at"],
  attachments: ["id", "filename", "created_at"],
};

const coreDataMap: TableEntry[] = [
  {
    table: "emails",
    purpose: "Outbox of transactional email: delivery status, retries and the development mailbox.",
    tenantColumn: null,
    personal: ["to_address", "subject", "text_body", "html_body"],
    subjects: [{ column: "to_address", kind: "email" }],
    export: { personal: ["to_address", "subject", "status", "created_at", "sent_at"] },
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
  {
    table: "users",
    purpose: "Accounts: name, email and password hash (P01).",
    tenantColumn: null,
    personal: ["name", "email", "email_normalized", "password_hash"],
    subjects: [{ column: "id", kind: "user" }],
    export: { personal: ["id", "name", "email", "created_at", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "password_history",
    purpose: "Salted hashes of a user's last passwords, to refuse reuse (P03).",
    tenantColumn: null,
    personal: ["password_hash"],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "sessions",
    purpose: "Signed-in browsers: hash of the token secret, device and IP, for the sessions list.",
    tenantColumn: null,
    personal: ["ip", "user_agent"],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["created_at", "last_seen_at", "expires_at", "ip", "user_agent"] },
    erasure: { kind: "delete" },
  },
  {
    table: "sign_in_failures",
    purpose: "Failed sign-ins per account in the lockout window (P06).",
    tenantColumn: null,
    personal: ["ip"],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["ip", "at"] },
    erasure: { kind: "delete" },
    retentionDays: 1,
  },
  {
    table: "password_reset_tokens",
    purpose: "Single-use password reset links (hash only), valid one hour.",
    tenantColumn: null,
    personal: [],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["created_at", "expires_at", "used_at"] },
    erasure: { kind: "delete" },
    retentionDays: 1,
  },
  {
    table: "email_change_tokens",
    purpose: "Confirmation links for a new email address (hash only).",
    tenantColumn: null,
    personal: ["new_email"],
    subjects: [{ column: "user_id", kind: "user" }, { column: "new_email", kind: "email" }],
    export: { personal: ["new_email", "created_at", "expires_at", "used_at"] },
    erasure: { kind: "delete" },
    retentionDays: 1,
  },
  {
    table: "tenants",
    purpose: "Workspaces: name, slug and settings.",
    tenantColumn: "id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "name", "slug", "time_zone", "week_start", "units", "created_at", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "tenant_slug_redirects",
    purpose: "Old workspace slugs that redirect for 30 days after a rename.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["old_slug", "expires_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "memberships",
    purpose: "Who belongs to which workspace, with which role.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["tenant_id", "role", "created_at"], workspace: ["user_id", "role", "created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "invitations",
    purpose: "Pending and past invitations to a workspace (token hash only).",
    tenantColumn: "tenant_id",
    personal: ["email"],
    subjects: [{ column: "email", kind: "email" }, { column: "invited_by", kind: "user" }],
    export: { personal: ["id", "role", "created_at"], workspace: ["id", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"] },
    erasure: { kind: "anonymise", columns: ["email"] },
  },
  {
    table: "audit_events",
    purpose: "The audit trail (P10): who did what to which record, when and from where. Kept 12 months (P11).",
    tenantColumn: "tenant_id",
    personal: ["actor_label", "ip", "user_agent", "changes"],
    subjects: [{ column: "actor_id", kind: "user" }],
    export: {
      personal: ["action", "target_type", "target_id", "ip", "user_agent", "created_at"],
      workspace: ["id", "actor_type", "actor_id", "actor_label", "action", "target_type", "target_id", "ip", "user_agent", "changes", "created_at"],
    },
    erasure: { kind: "pseudonymise", columns: ["actor_id", "actor_label", "ip", "user_agent", "changes"] },
    retentionDays: 365,
  },
  // ---- CRM: workspace data; contacts and leads are data subjects who are not users (P23) ----
  {
    table: "companies",
    purpose: "CRM companies.",
    tenantColumn: "tenant_id",
    personal: ["address"],
    subjects: [{ column: "owner_id", kind: "user" }, { column: "created_by", kind: "user" }],
    export: { personal: ["id", "created_at"], workspace: ["id", "name", "domain", "industry", "size", "address", "owner_id", "custom", "created_by", "created_at", "updated_at"] },
    erasure: { kind: "pseudonymise", columns: ["owner_id", "created_by"] },
  },
  {
    table: "contacts",
    purpose: "CRM contacts: people a workspace deals with.",
    tenantColumn: "tenant_id",
    personal: ["first_name", "last_name", "emails", "phones", "title", "custom"],
    subjects: [{ column: "id", kind: "contact" }, { column: "emails", kind: "email" }, { column: "owner_id", kind: "user" }, { column: "created_by", kind: "user" }],
    export: { personal: ["id", "created_at"], workspace: ["id", "first_name", "last_name", "emails", "phones", "title", "company_id", "owner_id", "custom", "created_by", "created_at", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "leads",
    purpose: "CRM leads, with the attribution of the visit that produced them (P25).",
    tenantColumn: "tenant_id",
    personal: ["name", "email", "phone", "company_name", "referrer", "custom"],
    subjects: [
      { column: "id", kind: "lead" },
      { column: "email", kind: "email" },
      { column: "converted_contact_id", kind: "contact" },
      { column: "owner_id", kind: "user" },
      { column: "created_by", kind: "user" },
    ],
    export: {
      personal: ["id", "created_at"],
      workspace: ["id", "name", "email", "phone", "company_name", "source", "status", "owner_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "converted_at", "converted_contact_id", "converted_company_id", "converted_deal_id", "custom", "created_by", "created_at", "updated_at"],
    },
    erasure: { kind: "delete" },
  },
  {
    table: "pipelines",
    purpose: "Sales pipelines.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "name", "position", "created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "pipeline_stages",
    purpose: "Ordered stages of a pipeline with default probabilities.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "pipeline_id", "name", "position", "probability"] },
    erasure: { kind: "delete" },
  },
  {
    table: "deals",
    purpose: "Deals in pipelines.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "owner_id", kind: "user" }, { column: "created_by", kind: "user" }],
    export: {
      personal: ["id", "created_at"],
      workspace: ["id", "title", "amount_minor", "currency", "pipeline_id", "stage_id", "expected_close_date", "probability", "company_id", "owner_id", "status", "closed_at", "close_reason", "custom", "created_by", "created_at", "updated_at"],
    },
    erasure: { kind: "pseudonymise", columns: ["owner_id", "created_by"] },
  },
  {
    table: "deal_contacts",
    purpose: "Which contacts take part in which deal.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "contact_id", kind: "contact" }],
    export: { workspace: ["deal_id", "contact_id"] },
    erasure: { kind: "delete" },
  },
  ...(["activities", "tasks", "notes", "attachments"] as const).map(
    (table): TableEntry => ({
      table,
      purpose: `CRM ${table} on a company, contact, lead or deal.`,
      tenantColumn: "tenant_id",
      personal: table === "attachments" ? ["filename", "data"] : table === "tasks" ? ["title"] : ["body"],
      subjects: [
        { column: "contact_id", kind: "contact" },
        { column: "lead_id", kind: "lead" },
        { column: "author_id", kind: "user" },
        ...(table === "tasks" ? [{ column: "assignee_id", kind: "user" as const }] : []),
      ],
      // A user's own copy shows what they wrote or were given, not its content about the people in the CRM.
      export: { personal: PERSONAL_AUTHORED[table], workspace: ["*"] },
      erasure: { kind: "delete" },
    }),
  ),
  {
    table: "custom_field_definitions",
    purpose: "Custom fields an admin defined per CRM object.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "object", "key", "label", "type", "options", "required", "position", "created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "crm_imports",
    purpose: "CSV imports of companies, contacts and leads: the uploaded file, column mapping, progress counts and the rejected rows with reasons.",
    tenantColumn: "tenant_id",
    personal: ["filename", "file", "header", "rejected"],
    subjects: [{ column: "created_by", kind: "user" }],
    export: {
      personal: ["id", "object", "filename", "status", "created_at"],
      workspace: ["id", "object", "filename", "status", "total_rows", "processed_rows", "created_count", "updated_count", "skipped_count", "error", "created_by", "created_at", "started_at", "finished_at"],
    },
    erasure: { kind: "pseudonymise", columns: ["created_by"] },
    retentionDays: 30,
  },
  {
    table: "deal_stage_totals",
    purpose: "Running count and amount of open deals per pipeline stage and currency, kept by triggers for the board.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
  },
];

/** Every mapped table: the core above, then each module's own list. */
export const dataMap: TableEntry[] = [...coreDataMap, ...capacityDataMap, ...privacyDataMap, ...billingDataMap, ...crewsDataMap, ...apiDataMap, ...leadFormsDataMap, ...messagingDataMap, ...webhooksDataMap];

/** Tables that hold neither workspace nor personal data, each with the reason. */
export const dataMapExempt: Record<string, string> = {
  kysely_migration: "schema version bookkeeping",
  kysely_migration_lock: "schema migration lock",
  rate_limit_counters: "per-window hit counts keyed by a hashed client address; rows expire within the hour",
  worker_pools: "job worker liveness (pool id, backend pid, heartbeat); no workspace or person",
};

export function dataMapEntry(table: string): TableEntry | undefined {
  return dataMap.find((t) => t.table === table);
}
