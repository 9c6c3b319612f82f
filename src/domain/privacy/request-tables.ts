import type { ColumnType } from "kysely";

// The request, erasure and ledger tables (migrations/0008_privacy_requests.ts), merged into PrivacyTables (./tables.ts).

export type RequestType = "access" | "erasure" | "rectification";
export type RequestState = "identity_unverified" | "pending" | "approved" | "denied" | "scheduled" | "processing" | "completed" | "failed" | "cancelled";
export type SubjectKind = "user" | "contact" | "lead" | "email";
export type Counts = Record<string, number>;

type JsonCounts = ColumnType<Counts, Counts | undefined, Counts>;

export interface PrivacyRequestsTable {
  tenant_id: string;
  id: string;
  type: RequestType;
  source: "staff" | "public";
  subject_kind: SubjectKind;
  subject_user_id: string | null;
  subject_contact_id: string | null;
  subject_lead_id: string | null;
  subject_email: string | null;
  requester_email: string | null;
  details: string | null;
  state: RequestState;
  received_at: Date;
  due_at: Date;
  verified_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  reason: string | null;
  scheduled_for: Date | null;
  completed_at: Date | null;
  failure: string | null;
  result_counts: JsonCounts;
  created_by: string | null;
  updated_at: Date;
}

export interface PrivacyRequestEventsTable {
  tenant_id: string;
  id: string;
  request_id: string;
  action: string;
  from_state: RequestState | null;
  to_state: RequestState;
  actor_id: string | null;
  created_at: Date;
}

export interface PrivacyVerificationCodesTable {
  tenant_id: string;
  request_id: string;
  code_hash: Uint8Array;
  expires_at: Date;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: Date;
}

export type LedgerAction = "delete" | "anonymise" | "pseudonymise" | "unlink";

export interface DeletionLedgerTable {
  id: string;
  tenant_id: string | null;
  table_name: string;
  action: LedgerAction;
  columns: ColumnType<string[], string[] | undefined, string[]>;
  row_ids: ColumnType<string[], string[] | undefined, string[]>;
  subject_kind: SubjectKind | "workspace";
  subject_ids: ColumnType<string[], string[] | undefined, string[]>;
  request_id: string | null;
  erased_at: Date;
}

export type AccountErasureState = "scheduled" | "processing" | "completed" | "failed" | "cancelled";

export interface AccountErasuresTable {
  id: string;
  user_id: string | null;
  state: AccountErasureState;
  requested_at: Date;
  scheduled_for: Date;
  cancel_token_hash: Uint8Array | null;
  cancelled_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  failure: string | null;
  result_counts: JsonCounts;
}

export interface RequestTables {
  privacy_requests: PrivacyRequestsTable;
  privacy_request_events: PrivacyRequestEventsTable;
  privacy_verification_codes: PrivacyVerificationCodesTable;
  deletion_ledger: DeletionLedgerTable;
  account_erasures: AccountErasuresTable;
}
