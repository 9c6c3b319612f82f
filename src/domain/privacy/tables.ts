// The privacy module's tables, as Kysely sees them. src/domain/schema.ts merges them into Database.
import type { ExportTables } from "./export-tables.ts";
import type { RequestTables } from "./request-tables.ts";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PrivacyTables extends ExportTables, RequestTables {}
