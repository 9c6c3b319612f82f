// The data map: every table that holds workspace or personal data, and how it is exported and erased.
// Exports, erasure, tenant purges and retention read this map; a catalogue test (test/domain/datamap.test.ts)
// fails when a table exists that is neither mapped here nor exempted below with a reason.

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
  /** Which exports include it, and which columns. */
  export: { personal?: string[]; workspace?: string[] };
  erasure: Erasure;
  /** Rows are deleted by a scheduled job after this many days, if they are. */
  retentionDays?: number;
}

export const dataMap: TableEntry[] = [
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
];

/** Tables that hold neither workspace nor personal data, each with the reason. */
export const dataMapExempt: Record<string, string> = {
  kysely_migration: "schema version bookkeeping",
  kysely_migration_lock: "schema migration lock",
};

export function dataMapEntry(table: string): TableEntry | undefined {
  return dataMap.find((t) => t.table === table);
}
