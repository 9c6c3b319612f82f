import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { day, int, parseInput } from "./plans-input.ts";
import { addDays, planTotals, type PlanTotals, type PlanWeek } from "./plans-math.ts";
import { hiringClasses, type HiringClassRow } from "./plans-supply.ts";
import { findPlan, planWeeksOf, type PlanRow } from "./plans.ts";
import { getProgram, type Program } from "./programs.ts";
import { programShrinkage } from "./staffing.ts";

// What the plan page reads, in one transaction, and the hiring classes it edits.

export interface PlanPageData {
  plan: PlanRow;
  program: Program;
  weeks: PlanWeek[];
  totals: PlanTotals;
  shrinkage: number;
  classes: HiringClassRow[];
  scenarios: { id: string; name: string }[];
  base: { id: string; name: string } | null;
}

export async function loadPlanPage(ctx: Ctx, id: string): Promise<PlanPageData> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const plan = await findPlan(tx, id);
    const program = await getProgram(tx, plan.program_id);
    const [weeks, classes, scenarios, base] = await Promise.all([
      planWeeksOf(tx, plan, program),
      hiringClasses(tx, plan.id),
      tx.db.selectFrom("capacity_plans").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("base_plan_id", "=", plan.id).orderBy("created_at").limit(50).execute(),
      plan.base_plan_id
        ? tx.db.selectFrom("capacity_plans").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", plan.base_plan_id).executeTakeFirst()
        : Promise.resolve(undefined),
    ]);
    return { plan, program, weeks, totals: planTotals(weeks), shrinkage: plan.shrinkage ?? programShrinkage(program), classes, scenarios, base: base ?? null };
  });
}

const ClassSchema = z.object({
  start_day: day("Enter the day the class starts."),
  size: int(1, 1000, "the number of people"),
  training_weeks: int(0, 52, "the training weeks"),
  ramp_weeks: int(0, 52, "the ramp weeks"),
});

export async function addHiringClass(ctx: Ctx, planId: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const plan = await findPlan(tx, planId);
    const input = parseInput(ClassSchema, values);
    const end = addDays(plan.start_day, plan.horizon_weeks * 7 - 1);
    if (input.start_day > end) throw new Invalid({ start_day: `Choose a day before the plan ends (${end}).` });
    const count = await tx.db.selectFrom("capacity_plan_hiring_classes").select(sql<number>`count(*)::int`.as("n")).where("tenant_id", "=", tx.tenantId!).where("plan_id", "=", plan.id).executeTakeFirst();
    if ((count?.n ?? 0) >= 52) throw new Invalid({ start_day: "A plan has at most 52 hiring classes." });
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("capacity_plan_hiring_classes").values({ tenant_id: tx.tenantId!, id, plan_id: plan.id, ...input, created_at: tx.now }).execute();
    await audit(tx, "hiring_class.created", { type: "plan", id: plan.id }, { hiring_class_id: id, ...input });
  });
}

export async function deleteHiringClass(ctx: Ctx, planId: string, classId: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const plan = await findPlan(tx, planId);
    if (!isUuid(classId)) throw new NotFound();
    const row = await tx.db
      .deleteFrom("capacity_plan_hiring_classes")
      .where("tenant_id", "=", tx.tenantId!)
      .where("plan_id", "=", plan.id)
      .where("id", "=", classId)
      .returning(["id", "size", sql<string>`start_day::text`.as("start_day")])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(tx, "hiring_class.deleted", { type: "plan", id: plan.id }, { hiring_class_id: row.id, size: row.size, start_day: row.start_day });
  });
}
