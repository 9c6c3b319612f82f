import type { TableEntry } from "../datamap.ts";

/** The lead forms' tables in the data map (src/domain/datamap.ts merges them; its catalogue test covers them). */
export const leadFormsDataMap: TableEntry[] = [
  {
    table: "lead_forms",
    purpose: "Public lead forms: which fields they ask for, the source and owner of the leads they create, thank-you text or redirect (no personal data).",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "owner_id", kind: "user" }, { column: "created_by", kind: "user" }],
    export: {
      personal: ["id", "name", "created_at"],
      workspace: ["id", "slug", "name", "fields", "source", "owner_id", "notify_owner", "thank_you", "redirect_url", "min_seconds", "active", "created_by", "created_at", "updated_at"],
    },
    erasure: { kind: "pseudonymise", columns: ["owner_id", "created_by"] },
  },
  {
    table: "lead_form_submissions",
    purpose: "Each public form submission that created a lead: the form, the lead, and the UTM parameters and referrer of the visit (P25).",
    tenantColumn: "tenant_id",
    personal: ["referrer"],
    subjects: [{ column: "lead_id", kind: "lead" }],
    export: {
      personal: ["id", "form_id", "lead_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "created_at"],
      workspace: ["id", "form_id", "lead_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "created_at"],
    },
    erasure: { kind: "delete" },
  },
];
