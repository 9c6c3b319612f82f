import type { TableEntry } from "../datamap.ts";

// The record of a workspace purge (migrations/0013_workspace_purge.ts). A platform table: it outlives the workspace
// it names, so it has no tenant column and the purge (which deletes every row of every tenant table) leaves it.
export const workspacePurgeDataMap: TableEntry[] = [
  {
    table: "workspace_purges",
    purpose:
      "P16, P17: the progress and outcome of a cancelled or lapsed workspace's purge: the workspace's id, why, when it started and finished, the table it is on and rows deleted per table. No personal data and no workspace content.",
    tenantColumn: null,
    personal: [],
    subjects: [],
    export: {},
    erasure: { kind: "delete" },
  },
];
