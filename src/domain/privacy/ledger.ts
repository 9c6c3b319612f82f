import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import type { DeletionLedgerTable, LedgerAction, SubjectKind } from "./request-tables.ts";

// P24: every purge appends what it removed or rewrote, by id only, so an older backup can be brought back in line
// by replaying the ledger. Nothing here is personal data: table and column names, row ids, the ids of the people
// erased (whose rows are gone), the request that asked.

export interface LedgerEntry {
  tenantId: string | null;
  table: string;
  action: LedgerAction;
  columns?: string[];
  rowIds: string[];
  subjectKind: SubjectKind | "workspace";
  subjectIds: string[];
  requestId: string | null;
}

const UUIDISH = /^[0-9a-f-]{1,64}$/i;

/** Appends one ledger row in the caller's transaction (the erasure and its record commit together). */
export async function appendLedger(tx: Ctx, e: LedgerEntry): Promise<void> {
  // Ids only: anything else (an email slipped in as a key) is a bug, not something to store.
  for (const id of [...e.rowIds, ...e.subjectIds]) if (!UUIDISH.test(id)) throw new Error(`ledger ids must be ids, got a value for ${e.table}`);
  await tx.db
    .insertInto("deletion_ledger")
    .values({
      id: Bun.randomUUIDv7(),
      tenant_id: e.tenantId,
      table_name: e.table,
      action: e.action,
      columns: e.columns ?? [],
      row_ids: e.rowIds,
      subject_kind: e.subjectKind,
      subject_ids: e.subjectIds,
      request_id: e.requestId,
      erased_at: tx.now,
    })
    .execute();
}

/** A request's ledger entries: which table, what was done, how many rows (the ids stay in the ledger). */
export async function ledgerForRequest(tx: Ctx, requestId: string): Promise<(Pick<DeletionLedgerTable, "id" | "table_name" | "action" | "erased_at"> & { rows: number })[]> {
  return tx.db
    .selectFrom("deletion_ledger")
    .select(["id", "table_name", "action", "erased_at", sql<number>`cardinality(row_ids)`.as("rows")])
    .where("request_id", "=", requestId)
    .orderBy("erased_at")
    .orderBy("id")
    .execute();
}
