import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { assignOwners, type BulkInput } from "./company-lists.ts";

/**
 * Assigns an owner to, or deletes, the selected leads in one transaction, one audit event each. Ids that are not
 * this workspace's leads are ignored. Returns how many changed.
 */
export async function bulkLeads(ctx: Ctx, input: BulkInput): Promise<number> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    if (input.ids.length === 0) return 0;
    if (input.action === "assign") return assignOwners(tx, "leads", "lead", input.ids, input.owner_id);
    const gone = await tx.db.deleteFrom("leads").where("tenant_id", "=", tx.tenantId!).where("id", "in", input.ids).returning(["id", "name"]).execute();
    for (const g of gone) await audit(tx, "lead.deleted", { type: "lead", id: g.id }, { name: g.name });
    return gone.length;
  });
}
