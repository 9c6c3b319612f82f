import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { assignOwners, type BulkInput } from "./company-lists.ts";

/**
 * Assigns an owner to, or deletes, the selected deals in one transaction, one audit event each (a deletion records
 * what deleteDeal records). Ids that are not this workspace's deals are ignored. Returns how many changed.
 */
export async function bulkDeals(ctx: Ctx, input: BulkInput): Promise<number> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    if (input.ids.length === 0) return 0;
    if (input.action === "assign") return assignOwners(tx, "deals", "deal", input.ids, input.owner_id);
    const gone = await tx.db.deleteFrom("deals").where("tenant_id", "=", tx.tenantId!).where("id", "in", input.ids).returning(["id", "title", "pipeline_id"]).execute();
    for (const g of gone) await audit(tx, "deal.deleted", { type: "deal", id: g.id }, { title: g.title, pipeline_id: g.pipeline_id });
    return gone.length;
  });
}
