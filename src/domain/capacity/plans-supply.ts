import { sql } from "kysely";
import type { Ctx } from "../context.ts";
import { addDays, availableByWeek, planWeeks, type AgentSupply, type HiringClass, type WeekSupply } from "./plans-math.ts";

// The supply side of a plan: the program's agents, their leave, attrition and hiring classes. It is projected
// when a plan is read, not stored: agents' FTE, status and dates are edited on the agents pages, and a stored
// projection would silently go stale. Reading it is three indexed queries and ~52 × agents × 7 additions.

export interface HiringClassRow {
  id: string;
  start_day: string;
  size: number;
  training_weeks: number;
  ramp_weeks: number;
}

export async function hiringClasses(tx: Ctx, planId: string): Promise<HiringClassRow[]> {
  return (
    await sql<HiringClassRow>`select id, start_day::text as start_day, size, training_weeks, ramp_weeks from capacity_plan_hiring_classes
      where tenant_id = ${tx.tenantId} and plan_id = ${planId} order by start_day, id`.execute(tx.db)
  ).rows;
}

/**
 * The program's active agents who are employed at some point in [from, to], each with fte divided by the number of
 * programs they work on (an agent shared by two programs is half an agent in each), and their leave in the range.
 */
export async function agentSupply(tx: Ctx, programId: string, from: string, to: string): Promise<AgentSupply[]> {
  const agents = await sql<{ id: string; fte: number; start_day: string; end_day: string | null; programs: number }>`
    select a.id, a.fte::float8 as fte, a.start_date::text as start_day, a.end_date::text as end_day,
      (select count(*)::int from capacity_agent_programs o where o.tenant_id = a.tenant_id and o.agent_id = a.id) as programs
    from capacity_agent_programs ap
    join capacity_agents a on a.tenant_id = ap.tenant_id and a.id = ap.agent_id
    where ap.tenant_id = ${tx.tenantId} and ap.program_id = ${programId} and a.status = 'active'
      and a.start_date <= ${to}::date and (a.end_date is null or a.end_date >= ${from}::date)`.execute(tx.db);
  if (!agents.rows.length) return [];
  const leave = await sql<{ agent_id: string; from_day: string; to_day: string }>`
    select l.agent_id, l.from_day::text as from_day, l.to_day::text as to_day from capacity_agent_leave l
    where l.tenant_id = ${tx.tenantId} and l.agent_id = any(${agents.rows.map((a) => a.id)}::uuid[])
      and l.to_day >= ${from}::date and l.from_day <= ${to}::date`.execute(tx.db);
  const byAgent = new Map<string, { from: string; to: string }[]>();
  for (const l of leave.rows) byAgent.set(l.agent_id, [...(byAgent.get(l.agent_id) ?? []), { from: l.from_day, to: l.to_day }]);
  return agents.rows.map((a) => ({ fte: a.fte / Math.max(1, a.programs), startDay: a.start_day, endDay: a.end_day, leave: byAgent.get(a.id) ?? [] }));
}

/** Available FTE for each week of the plan. */
export async function planSupply(tx: Ctx, plan: { id: string; program_id: string; start_day: string; horizon_weeks: number; monthly_attrition: number }, known: { agents?: AgentSupply[] } = {}): Promise<WeekSupply[]> {
  const weeks = planWeeks(plan.start_day, plan.horizon_weeks);
  const to = addDays(plan.start_day, plan.horizon_weeks * 7 - 1);
  const [agents, rows] = await Promise.all([known.agents ?? agentSupply(tx, plan.program_id, plan.start_day, to), hiringClasses(tx, plan.id)]);
  const hiring: HiringClass[] = rows.map((c) => ({ startDay: c.start_day, size: c.size, trainingWeeks: c.training_weeks, rampWeeks: c.ramp_weeks }));
  return availableByWeek(weeks, agents, { monthlyAttrition: plan.monthly_attrition, classes: hiring });
}
