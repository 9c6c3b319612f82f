import type { ColumnType, Selectable } from "kysely";

// The database as Kysely sees it. Each interface mirrors a table created in migrations/.

export type EmailStatus = "queued" | "sent" | "retrying" | "failed" | "captured";

export interface EmailsTable {
  id: string;
  idempotency_key: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: ColumnType<EmailStatus, EmailStatus | undefined, EmailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: ColumnType<Date, Date | undefined, Date>;
  sent_at: Date | null;
}

export type Role = "owner" | "admin" | "member" | "viewer" | "privacy";

export interface UsersTable {
  id: string;
  name: string;
  email: string;
  email_normalized: string;
  password_hash: string;
  locked_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface PasswordHistoryTable {
  id: string;
  user_id: string;
  password_hash: string;
  created_at: Date;
}

export interface SessionsTable {
  id: string;
  secret_hash: Uint8Array;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

export interface SignInFailuresTable {
  id: string;
  user_id: string;
  ip: string | null;
  at: Date;
}

export interface RateLimitCountersTable {
  bucket: string;
  window_start: Date;
  hits: number;
}

export interface UserTokensTable {
  id: string;
  user_id: string;
  token_hash: Uint8Array;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface EmailChangeTokensTable extends UserTokensTable {
  new_email: string;
}

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  time_zone: ColumnType<string, string | undefined, string>;
  week_start: ColumnType<number, number | undefined, number>;
  units: ColumnType<"metric" | "imperial", "metric" | "imperial" | undefined, "metric" | "imperial">;
  created_at: Date;
  updated_at: Date;
}

export interface TenantSlugRedirectsTable {
  tenant_id: string;
  old_slug: string;
  expires_at: Date;
}

export interface MembershipsTable {
  tenant_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
}

export interface InvitationsTable {
  tenant_id: string;
  id: string;
  email: string;
  role: Role;
  token_hash: Uint8Array;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export interface AuditEventsTable {
  id: string;
  /** Drawn by the chaining trigger. */
  seq: ColumnType<string, never, never>;
  tenant_id: string | null;
  actor_type: "user" | "api" | "system" | "anonymous";
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  changes: ColumnType<Record<string, unknown> | null, Record<string, unknown> | null, never>;
  created_at: Date;
  prev_hash: ColumnType<Uint8Array | null, never, never>;
  hash: ColumnType<Uint8Array, never, never>;
}

export interface Database {
  emails: EmailsTable;
  users: UsersTable;
  password_history: PasswordHistoryTable;
  sessions: SessionsTable;
  sign_in_failures: SignInFailuresTable;
  rate_limit_counters: RateLimitCountersTable;
  password_reset_tokens: UserTokensTable;
  email_change_tokens: EmailChangeTokensTable;
  tenants: TenantsTable;
  tenant_slug_redirects: TenantSlugRedirectsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
}

export type Email = Selectable<EmailsTable>;
export type User = Selectable<UsersTable>;
export type Tenant = Selectable<TenantsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
