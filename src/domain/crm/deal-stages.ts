import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid } from "../errors.ts";
import type { DealStatus } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { parse } from "./pipelines.ts";
import { loadDeal } from "./deals.ts";
import { isUuid, optionalText } from "./shared.ts";

// Moves, closure and reopening apart from record edits: each is one audited state change with rules of its own.

/**
 * Moves an open deal to another stage of its pipeline (the board's control). Its probability follows the stage
 * unless someone set it by hand: it changes only when it equalled the old stage's default. Returns the pipeline.
 */
export async function moveDeal(ctx: Ctx, id: string, stageId: string): Promise<{ pipelineId: string }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const deal = await loadDeal(tx, id, true);
    if (deal.stage_id === stageId) return { pipelineId: deal.pipeline_id };
    if (deal.status !== "open") throw new Conflict(`This deal is ${deal.status}. Reopen it before moving it to another stage.`);
    const stages = await tx.db.selectFrom("pipeline_stages").selectAll().where("pipeline_id", "=", deal.pipeline_id).execute();
    const from = stages.find((s) => s.id === deal.stage_id);
    const to = isUuid(stageId) ? stages.find((s) => s.id === stageId) : undefined;
    if (!to) throw new Invalid({ stage_id: "Choose a stage of this deal's pipeline." });
    const probability = deal.probability === null || deal.probability === from?.probability ? to.probability : deal.probability;
    await tx.db.updateTable("deals").set({ stage_id: to.id, probability, position: tx.now.getTime(), updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "deal.moved", { type: "deal", id }, {
      stage_id: { from: deal.stage_id, to: to.id },
      stage: { from: from?.name ?? null, to: to.name },
      ...(probability !== deal.probability && { probability: { from: deal.probability, to: probability } }),
    });
    return { pipelineId: deal.pipeline_id };
  });
}

const ClosureSchema = z
  .object({
    outcome: z.enum(["won", "lost"], { error: "Choose won or lost." }),
    reason: optionalText(500),
  })
  .refine((v) => v.outcome === "won" || !!v.reason, { path: ["reason"], error: "Say why the deal was lost (at most 500 characters)." });

/** Marks an open deal won or lost. Repeating the same outcome is a no-op; the other outcome needs a reopen first. */
export async function closeDeal(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const deal = await loadDeal(tx, id, true);
    const input = parse(ClosureSchema, values);
    if (deal.status === input.outcome) return;
    if (deal.status !== "open") throw new Conflict(`This deal is already ${deal.status}. Reopen it first to mark it ${input.outcome}.`);
    const status: DealStatus = input.outcome;
    await tx.db.updateTable("deals").set({ status, closed_at: tx.now, close_reason: input.reason, updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, `deal.${status}`, { type: "deal", id }, { status: { from: "open", to: status }, close_reason: input.reason });
  });
}

/** Opens a won or lost deal again, in the stage it was closed from; it returns to the board. */
export async function reopenDeal(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const deal = await loadDeal(tx, id, true);
    if (deal.status === "open") return;
    await tx.db.updateTable("deals").set({ status: "open", closed_at: null, close_reason: null, position: tx.now.getTime(), updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "deal.reopened", { type: "deal", id }, { status: { from: deal.status, to: "open" }, close_reason: { from: deal.close_reason, to: null } });
  });
}
