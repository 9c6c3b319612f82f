import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { parseInput } from "./plans-input.ts";
import { addDays, planTotals, type PlanTotals, type PlanWeek } from "./plans-math.ts";
import { agentSupply } from "./plans-supply.ts";
import { findPlan, insertPlan, planFormValues, PlanSchema, planWeeksOf, type PlanRow } from "./plans.ts";
import { getProgram } from "./programs.ts";

// What-if scenarios (issue 5, item 7): a copy of a plan (its inputs and hiring classes) with changes to volume,
// AHT, service-level goal or shrinkage, compared week by week with the plan it was copied from.

/** The fields a scenario changes; the rest (weekly hours, cost, attrition) is copied from the base plan. */
export const SCENARIO_FIELDS = ["name", "volume_change", "aht_change", "aht_change_seconds", "service_level", "shrinkage"] as const;

export async function copyAsScenario(ctx: Ctx, planId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const base = await findPlan(tx, planId);
    const merged = { ...planFormValues(base) };
    for (const k of SCENARIO_FIELDS) merged[k] = values[k] ?? "";
    if (!merged.name?.trim()) merged.name = `${base.name} (what-if)`.slice(0, 100);
    const input = parseInput(PlanSchema, merged);
    const id = await insertPlan(tx, base.forecast_id, input, base.id);
    await sql`insert into capacity_plan_hiring_classes (tenant_id, id, plan_id, start_day, size, training_weeks, ramp_weeks, created_at)
      select tenant_id, gen_random_uuid(), ${id}::uuid, start_day, size, training_weeks, ramp_weeks, ${tx.now}::timestamptz
      from capacity_plan_hiring_classes where tenant_id = ${tx.tenantId} and plan_id = ${base.id}`.execute(tx.db);
    await audit(tx, "scenario.created", { type: "plan", id }, { base_plan_id: base.id, ...Object.fromEntries(SCENARIO_FIELDS.map((k) => [k, input[k]])) });
    return id;
  });
}

export interface ComparisonRow {
  week: string;
  base: PlanWeek;
  scenario: PlanWeek;
}

export interface Comparison {
  base: PlanRow;
  scenario: PlanRow;
  rows: ComparisonRow[];
  totals: { base: PlanTotals; scenario: PlanTotals };
}

/** The scenario and its base plan, week by week: required FTE, gap and the cost of the gap. */
export async function loadComparison(ctx: Ctx, scenarioId: string): Promise<Comparison> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const scenario = await findPlan(tx, scenarioId);
    if (!scenario.base_plan_id) throw new NotFound("This plan is not a scenario: it has no base plan to compare with.");
    const base = await findPlan(tx, scenario.base_plan_id);
    const program = await getProgram(tx, scenario.program_id);
    // Both plans share the forecast, so the same agents and leave: read them once.
    const agents = await agentSupply(tx, scenario.program_id, scenario.start_day, addDays(scenario.start_day, scenario.horizon_weeks * 7 - 1));
    const [b, s] = await Promise.all([planWeeksOf(tx, base, program, { agents }), planWeeksOf(tx, scenario, program, { agents })]);
    return { base, scenario, rows: s.map((w, i) => ({ week: w.week, base: b[i]!, scenario: w })), totals: { base: planTotals(b), scenario: planTotals(s) } };
  });
}
