import type { ColumnType } from "kysely";

// The export tables (migrations/0007_privacy_exports.ts), merged into PrivacyTables (./tables.ts).

export type ExportKind = "personal" | "workspace" | "person";
export type ExportStatus = "queued" | "running" | "done" | "failed" | "expired";
export type PersonKind = "contact" | "lead";

export interface DataExportsTable {
  id: string;
  /** Null for a personal export: it spans the user's workspaces. */
  tenant_id: string | null;
  kind: ExportKind;
  /** Who asked: the only person who may download it. */
  user_id: string;
  subject_type: PersonKind | null;
  subject_id: string | null;
  status: ColumnType<ExportStatus, ExportStatus | undefined, ExportStatus>;
  rows_done: ColumnType<number, number | undefined, number>;
  rows_total: number | null;
  /** SHA-256 of the download token; the token itself is only in the email. */
  token_hash: Uint8Array | null;
  /** bigint: postgres.js returns it as a string. */
  size_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
}

export interface DataExportChunksTable {
  export_id: string;
  seq: number;
  tenant_id: string | null;
  user_id: string;
  data: Uint8Array;
}

export interface ExportTables {
  data_exports: DataExportsTable;
  data_export_chunks: DataExportChunksTable;
}

