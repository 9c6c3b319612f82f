import type { ColumnType } from "kysely";

// The lead forms' tables (migrations/0019_lead_forms.ts), as Kysely sees them. src/domain/schema.ts merges them.

export interface LeadFormsTable {
  tenant_id: string;
  id: string;
  slug: string;
  name: string;
  /** The fields the public form asks for, in order: lead columns (name, email, …) and `cf_<key>` custom fields. */
  fields: string[];
  source: string | null;
  owner_id: string | null;
  notify_owner: ColumnType<boolean, boolean | undefined, boolean>;
  thank_you: string | null;
  redirect_url: string | null;
  min_seconds: ColumnType<number, number | undefined, number>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  signing_key: Uint8Array;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface LeadFormSubmissionsTable {
  tenant_id: string;
  id: string;
  form_id: string;
  lead_id: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  referrer: string | null;
  created_at: Date;
}

export interface LeadFormsTables {
  lead_forms: LeadFormsTable;
  lead_form_submissions: LeadFormSubmissionsTable;
}
