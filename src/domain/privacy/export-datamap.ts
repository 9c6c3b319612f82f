import type { TableEntry } from "../datamap.ts";

// The export files themselves (migrations/0007_privacy_exports.ts). They are copies of data that is already in the
// map, so no export includes them; they go with the user (erasure), the workspace (purge), the CRM person they
// describe (person erasure), and on expiry.
export const exportsDataMap: TableEntry[] = [
  {
    table: "data_exports",
    purpose:
      "Exports a user asked for: personal (all their data, every workspace: tenant_id is null, visible only to that user, always filtered by user id), whole workspace, or one CRM person. Status, progress, hash of the download token, expiry.",
    tenantColumn: "tenant_id",
    personal: [],
    subjects: [
      { column: "user_id", kind: "user" },
      { column: "subject_id", kind: "contact" },
      { column: "subject_id", kind: "lead" },
    ],
    export: {},
    erasure: { kind: "delete" },
    retentionDays: 30,
  },
  {
    table: "data_export_chunks",
    purpose: "The export files, in ~1 MB pieces: personal data of the requester, the workspace or the CRM person. Deleted when the link expires (7 days).",
    tenantColumn: "tenant_id",
    personal: ["data"],
    subjects: [{ column: "user_id", kind: "user" }],
    export: {},
    erasure: { kind: "delete" },
    retentionDays: 7,
  },
];
