import type { TableEntry } from "../datamap.ts";

const person = [
  { column: "contact_id", kind: "contact" },
  { column: "lead_id", kind: "lead" },
] as const satisfies TableEntry["subjects"];

/**
 * The messaging module's tables in the data map (src/domain/datamap.ts merges them). Messages come before their
 * threads so an erasure counts the messages it deletes before the thread's cascade would take them silently.
 */
export const messagingDataMap: TableEntry[] = [
  {
    table: "messaging_settings",
    purpose: "The workspace's sending settings: its SMTP server, Twilio and WhatsApp Cloud credentials, and the random tokens of its webhook URLs and logging mailbox. Secrets are never exported.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["email_from", "smtp_host", "smtp_port", "smtp_secure", "twilio_base_url", "twilio_sms_from", "twilio_whatsapp_from", "twilio_rcs_from", "whatsapp_provider", "whatsapp_base_url", "whatsapp_api_version", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "message_templates",
    purpose: "Message templates with placeholders for record fields (no personal data until filled in).",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "name", "channel", "subject", "body", "created_at", "updated_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "messages",
    purpose: "Email, SMS, WhatsApp and RCS messages sent to or received from a contact or lead: addresses, subject, body, provider ids and delivery status.",
    tenantColumn: "tenant_id",
    personal: ["from_address", "to_address", "subject", "body"],
    subjects: [...person, { column: "from_address", kind: "email" }, { column: "to_address", kind: "email" }, { column: "sent_by", kind: "user" }],
    export: {
      personal: ["id", "thread_id", "direction", "channel", "from_address", "to_address", "subject", "body", "status", "created_at"],
      workspace: ["id", "thread_id", "contact_id", "lead_id", "deal_id", "company_id", "direction", "channel", "from_address", "to_address", "subject", "body", "provider", "provider_message_id", "status", "error", "sent_by", "created_at", "updated_at"],
    },
    erasure: { kind: "delete" },
  },
  {
    table: "message_attachments",
    purpose: "Files that came with a logged email.",
    tenantColumn: "tenant_id",
    personal: ["filename", "content"],
    subjects: [...person],
    export: { personal: ["id", "message_id", "filename", "content_type", "size_bytes", "created_at"], workspace: ["*"] },
    erasure: { kind: "delete" },
  },
  {
    table: "message_threads",
    purpose: "Conversations: one record, one channel, one address on the other side.",
    tenantColumn: "tenant_id",
    personal: ["counterpart", "subject"],
    subjects: [...person, { column: "counterpart", kind: "email" }],
    export: { personal: ["id", "channel", "counterpart", "subject", "created_at"], workspace: ["id", "channel", "counterpart", "subject", "contact_id", "lead_id", "deal_id", "company_id", "last_message_at", "created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "message_events",
    purpose: "Each message's append-only status history (queued, sent, delivered, read, failed…) with provider error codes; no addresses or bodies.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [],
    export: { workspace: ["id", "message_id", "status", "detail", "source", "occurred_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "message_opt_outs",
    purpose: "People who replied STOP (or the channel's opt-out) and must not be messaged on that channel again.",
    tenantColumn: "tenant_id",
    personal: ["address"],
    subjects: [...person, { column: "address", kind: "email" }],
    export: { personal: ["channel", "address", "keyword", "created_at"], workspace: ["channel", "address", "contact_id", "lead_id", "keyword", "created_at"] },
    erasure: { kind: "delete" },
  },
  {
    table: "message_inbox",
    purpose: "Raw provider webhook deliveries (inbound messages and status callbacks), kept until processed and for 30 days after.",
    tenantColumn: "tenant_id",
    personal: ["raw_body"],
    subjects: [...person],
    export: { personal: ["id", "provider", "raw_body", "received_at"], workspace: ["id", "provider", "dedupe_key", "received_at", "processed_at", "outcome"] },
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
];
