import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { requiredAgents, type Queue, type QueueMetrics, type StaffingGoal } from "./erlang.ts";
import { isDay } from "./plans-input.ts";
import { addDays, applyScenario, type DayStaffing } from "./plans-math.ts";
import type { Program } from "./programs.ts";

// Staffing (issue 5, item 5): the forecast's intervals turned into required agents with the program's goals and
// the plan's what-if changes. A plan stores its days (contacts, agent-hours, peak agents), so the plan page and
// its exports read ~364 rows instead of running the engine 35,040 times; a day view runs it for one day only.

/** The inputs of a plan that change the Erlang side (the rest — attrition, hires, leave — only changes supply). */
export interface StaffingInputs {
  volumeChange: number;
  ahtChange: number | null;
  ahtChangeSeconds: number | null;
  /** Overrides the program's service-level target (fraction), or null. */
  serviceLevel: number | null;
  /** Overrides the program's shrinkage (fraction), or null. */
  shrinkage: number | null;
}

/** The program's shrinkage as a fraction (its categories are percents). */
export const programShrinkage = (p: Program) => p.shrinkageTotal / 100;

export function staffingGoal(p: Program, s: StaffingInputs): StaffingGoal {
  const goal: StaffingGoal = { serviceLevel: s.serviceLevel ?? p.slTarget, shrinkage: s.shrinkage ?? programShrinkage(p) };
  if (p.maxOccupancy !== null) goal.maxOccupancy = p.maxOccupancy;
  if (p.asaGoalSeconds !== null) goal.maxAsaSeconds = p.asaGoalSeconds;
  // The abandonment cap only means something under Erlang A, i.e. with a patience.
  if (p.patienceSeconds !== null && p.maxAbandonRate !== null) goal.maxAbandonRate = p.maxAbandonRate;
  return goal;
}

export function queueFor(p: Program, intervalMinutes: number, contacts: number, ahtSeconds: number): Queue {
  const q: Queue = { contacts, intervalSeconds: intervalMinutes * 60, ahtSeconds, targetAnswerSeconds: p.slSeconds };
  if (p.patienceSeconds !== null) q.patienceSeconds = p.patienceSeconds;
  return q;
}

interface IntervalRow {
  day: string;
  minute: number;
  contacts: number;
  aht: number;
}

const readIntervals = async (tx: Ctx, forecastId: string, from?: string, to?: string) =>
  (
    await sql<IntervalRow>`select day::text as day, minute, contacts, aht_seconds as aht from capacity_forecast_intervals
      where tenant_id = ${tx.tenantId} and forecast_id = ${forecastId}
      ${from ? sql`and day between ${from}::date and ${to}::date` : sql``}
      order by day, minute`.execute(tx.db)
  ).rows;

/**
 * Required agents for every interval of the forecast, summed per day, and stored as the plan's days (replacing
 * what was there). Runs in the caller's transaction.
 */
export async function computePlanDays(tx: Ctx, planId: string, forecastId: string, intervalMinutes: number, program: Program, s: StaffingInputs): Promise<DayStaffing[]> {
  const goal = staffingGoal(program, s);
  const hours = intervalMinutes / 60;
  const days: DayStaffing[] = [];
  let current: DayStaffing | null = null;
  for (const r of await readIntervals(tx, forecastId)) {
    if (!current || current.day !== r.day) {
      current = { day: r.day, contacts: 0, agentHours: 0, peakAgents: 0 };
      days.push(current);
    }
    const { contacts, ahtSeconds } = applyScenario(r.contacts, r.aht, s);
    current.contacts += contacts;
    if (contacts <= 0) continue;
    const agents = requiredAgents(queueFor(program, intervalMinutes, contacts, ahtSeconds), goal).agents;
    current.agentHours += agents * hours;
    if (agents > current.peakAgents) current.peakAgents = agents;
  }
  await tx.db.deleteFrom("capacity_plan_days").where("tenant_id", "=", tx.tenantId!).where("plan_id", "=", planId).execute();
  if (days.length) {
    await sql`insert into capacity_plan_days (tenant_id, plan_id, day, contacts, agent_hours, peak_agents)
      select ${tx.tenantId}::uuid, ${planId}::uuid, d, c, h, p
      from unnest(${days.map((d) => d.day)}::date[], ${days.map((d) => d.contacts)}::float8[], ${days.map((d) => d.agentHours)}::float8[], ${days.map((d) => d.peakAgents)}::int[]) as t(d, c, h, p)`.execute(tx.db);
  }
  return days;
}

export interface IntervalStaffing extends QueueMetrics {
  minute: number;
  contacts: number;
  ahtSeconds: number;
  fte: number;
}

/** One day of a plan, interval by interval, with the engine's metrics at the required staffing. */
export async function staffDay(tx: Ctx, forecastId: string, intervalMinutes: number, program: Program, s: StaffingInputs, day: string): Promise<IntervalStaffing[]> {
  const goal = staffingGoal(program, s);
  return (await readIntervals(tx, forecastId, day, day)).map((r) => {
    const { contacts, ahtSeconds } = applyScenario(r.contacts, r.aht, s);
    const m = requiredAgents(queueFor(program, intervalMinutes, contacts, ahtSeconds), goal);
    return { ...m, minute: r.minute, contacts, ahtSeconds };
  });
}

/** The plan's stored days, in order. */
export async function planDays(tx: Ctx, planId: string): Promise<DayStaffing[]> {
  const rows = await sql<{ day: string; contacts: number; agent_hours: number; peak_agents: number }>`
    select day::text as day, contacts, agent_hours, peak_agents from capacity_plan_days
    where tenant_id = ${tx.tenantId} and plan_id = ${planId} order by day`.execute(tx.db);
  return rows.rows.map((r) => ({ day: r.day, contacts: r.contacts, agentHours: r.agent_hours, peakAgents: r.peak_agents }));
}

/** A day must be a real date inside the forecast; anything else is a page that does not exist. */
export function assertPlanDay(day: string, startDay: string, horizonWeeks: number): void {
  if (!isDay(day) || day < startDay || day > addDays(startDay, horizonWeeks * 7 - 1)) throw new NotFound();
}
