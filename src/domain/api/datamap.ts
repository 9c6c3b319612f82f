import type { TableEntry } from "../datamap.ts";

/** The API's tables in the data map (src/domain/datamap.ts merges them; its catalogue test covers them). */
export const apiDataMap: TableEntry[] = [
  {
    table: "api_keys",
    purpose: "Workspace API keys: name, scopes, visible prefix, SHA-256 of the key (never the key), who created it, last use, revocation (P22).",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "created_by", kind: "user" }],
    export: { workspace: ["id", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at", "revoked_at"] },
    erasure: { kind: "pseudonymise", columns: ["created_by"] },
  },
  {
    table: "api_refresh_tokens",
    purpose: "Refresh tokens of user apps: SHA-256 of the token, its rotation family, expiry, use and revocation (P22).",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [{ column: "user_id", kind: "user" }],
    export: { personal: ["created_at", "expires_at", "used_at", "revoked_at"] },
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
  {
    table: "api_idempotency",
    purpose: "The first response to an API POST with an Idempotency-Key, replayed to a retry of the same request for a day.",
    tenantColumn: "tenant_id",
    personal: ["body"],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
    retentionDays: 1,
  },
];
