import type { ColumnType } from "kysely";

// The API's tables, as Kysely sees them. src/domain/schema.ts merges them into Database.

export type ApiScope = "read" | "write";

export interface ApiKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: ApiScope[];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiRefreshTokensTable {
  tenant_id: string;
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface ApiIdempotencyTable {
  tenant_id: string;
  credential_id: string;
  idempotency_key: string;
  request_hash: string;
  status: number;
  body: ColumnType<unknown, unknown, unknown>;
  created_at: Date;
}

export interface ApiTables {
  api_keys: ApiKeysTable;
  api_refresh_tokens: ApiRefreshTokensTable;
  api_idempotency: ApiIdempotencyTable;
}
