import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { findForecast } from "./forecasts.ts";
import { decimal, optionalInt, optionalPercent, parseInput, percentText, text } from "./plans-input.ts";
import { planTable, planWeeks, requiredByWeek, type AgentSupply, type PlanWeek } from "./plans-math.ts";
import { planSupply } from "./plans-supply.ts";
import { getProgram, type Program } from "./programs.ts";
import { computePlanDays, planDays, programShrinkage, type StaffingInputs } from "./staffing.ts";

// Plans (issue 5, items 5 and 7). A plan belongs to a forecast; a what-if scenario is a plan with a base plan.
// Changing anything on the Erlang side (volume, AHT, service level, shrinkage, the forecast's adjustments)
// recomputes the plan's stored days inline: measured at a few hundred ms for a year of 15-minute intervals.

export interface PlanRow {
  id: string;
  forecast_id: string;
  base_plan_id: string | null;
  name: string;
  weekly_hours: number;
  hourly_cost: number;
  monthly_attrition: number;
  volume_change: number;
  aht_change: number | null;
  aht_change_seconds: number | null;
  service_level: number | null;
  shrinkage: number | null;
  computed_at: Date | null;
  created_at: Date;
  // From the forecast:
  program_id: string;
  forecast_name: string;
  start_day: string;
  horizon_weeks: number;
  interval_minutes: number;
}

export async function findPlan(tx: Ctx, id: string): Promise<PlanRow> {
  if (!isUuid(id)) throw new NotFound();
  const row = await sql<PlanRow>`
    select p.id, p.forecast_id, p.base_plan_id, p.name, p.weekly_hours, p.hourly_cost, p.monthly_attrition, p.volume_change, p.aht_change,
      p.aht_change_seconds, p.service_level, p.shrinkage, p.computed_at, p.created_at,
      f.program_id, f.name as forecast_name, f.start_day::text as start_day, f.horizon_weeks, f.interval_minutes
    from capacity_plans p join capacity_forecasts f on f.tenant_id = p.tenant_id and f.id = p.forecast_id
    where p.tenant_id = ${tx.tenantId} and p.id = ${id}`.execute(tx.db);
  if (!row.rows[0]) throw new NotFound();
  return row.rows[0];
}

export const staffingInputs = (p: Pick<PlanRow, "volume_change" | "aht_change" | "aht_change_seconds" | "service_level" | "shrinkage">): StaffingInputs => ({
  volumeChange: p.volume_change,
  ahtChange: p.aht_change,
  ahtChangeSeconds: p.aht_change_seconds,
  serviceLevel: p.service_level,
  shrinkage: p.shrinkage,
});

/** The settings form: plan inputs and the what-if changes (blank = the program's own value). */
export const PlanSchema = z
  .object({
    name: text(100, "Give the plan a name."),
    weekly_hours: decimal(1, 80, "the weekly hours of one FTE", 37.5),
    hourly_cost: decimal(0, 100000, "the hourly cost", 0),
    monthly_attrition: optionalPercent(0, 100),
    volume_change: optionalPercent(-100, 1000),
    aht_change: optionalPercent(-90, 1000),
    aht_change_seconds: optionalInt(-86400, 86400, "seconds"),
    service_level: optionalPercent(1, 100),
    shrinkage: optionalPercent(0, 95),
  })
  .superRefine((v, ctx) => {
    if (v.aht_change !== null && v.aht_change_seconds !== null) {
      ctx.addIssue({ code: "custom", path: ["aht_change_seconds"], message: "Change AHT by a percent or by seconds, not both." });
    }
  })
  .transform((v) => ({ ...v, monthly_attrition: v.monthly_attrition ?? 0, volume_change: v.volume_change ?? 0 }));
export type PlanInput = z.output<typeof PlanSchema>;
const FIELDS = ["name", "weekly_hours", "hourly_cost", "monthly_attrition", "volume_change", "aht_change", "aht_change_seconds", "service_level", "shrinkage"] as const;
const ERLANG_FIELDS = ["volume_change", "aht_change", "aht_change_seconds", "service_level", "shrinkage"] as const;

export function planFormValues(p: PlanRow): Record<string, string> {
  return {
    name: p.name, weekly_hours: String(p.weekly_hours), hourly_cost: String(p.hourly_cost), monthly_attrition: percentText(p.monthly_attrition),
    volume_change: p.volume_change ? percentText(p.volume_change) : "", aht_change: percentText(p.aht_change), aht_change_seconds: p.aht_change_seconds === null ? "" : String(p.aht_change_seconds),
    service_level: percentText(p.service_level), shrinkage: percentText(p.shrinkage),
  };
}

/** Recomputes the stored days of one plan (in the caller's transaction). */
export async function recomputePlan(tx: Ctx, plan: PlanRow, program?: Program): Promise<void> {
  const prog = program ?? (await getProgram(tx, plan.program_id));
  await computePlanDays(tx, plan.id, plan.forecast_id, plan.interval_minutes, prog, staffingInputs(plan));
  await tx.db.updateTable("capacity_plans").set({ computed_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", plan.id).execute();
}

/** Every plan on the forecast, after its adjustments changed. */
export async function recomputeForecastPlans(tx: Ctx, forecastId: string, programId: string): Promise<number> {
  const ids = await tx.db.selectFrom("capacity_plans").select("id").where("tenant_id", "=", tx.tenantId!).where("forecast_id", "=", forecastId).execute();
  if (!ids.length) return 0;
  const program = await getProgram(tx, programId);
  for (const { id } of ids) await recomputePlan(tx, await findPlan(tx, id), program);
  return ids.length;
}

export async function insertPlan(tx: Ctx, forecastId: string, input: PlanInput, basePlanId: string | null): Promise<string> {
  const id = Bun.randomUUIDv7();
  await tx.db
    .insertInto("capacity_plans")
    .values({ tenant_id: tx.tenantId!, id, forecast_id: forecastId, base_plan_id: basePlanId, ...input, computed_at: null, created_by: tx.actor?.id ?? null, created_at: tx.now, updated_at: tx.now })
    .execute();
  await recomputePlan(tx, await findPlan(tx, id));
  return id;
}

export async function createPlan(ctx: Ctx, forecastId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const forecast = await findForecast(tx, forecastId);
    const input = parseInput(PlanSchema, values);
    const id = await insertPlan(tx, forecast.id, input, null);
    await audit(tx, "plan.created", { type: "plan", id }, { forecast_id: forecast.id, ...Object.fromEntries(FIELDS.map((k) => [k, input[k]])) });
    return id;
  });
}

export async function updatePlan(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const before = await findPlan(tx, id);
    const input = parseInput(PlanSchema, values);
    await tx.db.updateTable("capacity_plans").set({ ...input, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", before.id).execute();
    const changes = diff(before as unknown as Record<string, unknown>, input, [...FIELDS]);
    if (ERLANG_FIELDS.some((f) => f in changes)) await recomputePlan(tx, await findPlan(tx, before.id));
    await audit(tx, "plan.updated", { type: "plan", id: before.id }, changes);
  });
}

export async function deletePlan(ctx: Ctx, id: string): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const p = await findPlan(tx, id);
    await tx.db.deleteFrom("capacity_plans").where("tenant_id", "=", tx.tenantId!).where("id", "=", p.id).execute();
    await audit(tx, "plan.deleted", { type: "plan", id: p.id }, { name: p.name, forecast_id: p.forecast_id });
    return p.forecast_id;
  });
}

/** The weeks of a plan: required (stored days), available (projected now), gap and its cost. */
export async function planWeeksOf(tx: Ctx, plan: PlanRow, program: Program, known: { agents?: AgentSupply[] } = {}): Promise<PlanWeek[]> {
  const weeks = planWeeks(plan.start_day, plan.horizon_weeks);
  const [days, supply] = await Promise.all([planDays(tx, plan.id), planSupply(tx, plan, known)]);
  const required = requiredByWeek(weeks, days, plan.shrinkage ?? programShrinkage(program), plan.weekly_hours);
  return planTable(required, supply, plan.weekly_hours, plan.hourly_cost);
}

export interface PlanSummary {
  id: string;
  name: string;
  base_plan_id: string | null;
  created_at: Date;
}

export async function plansOfForecast(tx: Ctx, forecastId: string): Promise<PlanSummary[]> {
  return tx.db
    .selectFrom("capacity_plans")
    .select(["id", "name", "base_plan_id", "created_at"])
    .where("tenant_id", "=", tx.tenantId!)
    .where("forecast_id", "=", forecastId)
    .orderBy("created_at")
    .orderBy("id")
    .limit(100)
    .execute();
}

/** Fails with a field message unless the value is inside the forecast. */
export function assertInForecast(field: string, day: string, plan: { start_day: string; horizon_weeks: number }, end: string): void {
  if (day < plan.start_day || day > end) throw new Invalid({ [field]: `Choose a day from ${plan.start_day} to ${end}.` });
}
