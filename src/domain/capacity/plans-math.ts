// The arithmetic of a staffing plan, pure (no I/O), so that every figure on the plan page can be checked by hand.
//
// Conventions (the plan page states them too):
// - Required FTE of a week = Σ over its intervals of (required agents × interval hours) ÷ (1 − shrinkage) ÷ the
//   weekly hours of one FTE (37.5 h by default, a plan input).
// - Available FTE of a week = Σ over the program's active agents of fte × (days of the week the agent is employed
//   and not on leave) ÷ 7, kept by attrition, plus the hiring classes.
// - Attrition: a monthly rate a keeps (1 − a)^(12/52) of the staff each week; existing staff from the plan's first
//   week, a hiring class from its start week.
// - A hiring class of n people contributes 0 during its training weeks, then n × k / (ramp + 1) in ramp week k
//   (k = 1 … ramp), then n.
// - Gap = available − required: negative is a shortfall. Cost of the gap = shortfall FTE × weekly hours × hourly
//   cost (a surplus week costs nothing extra).

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD date (UTC arithmetic: these are calendar days, no time zones). */
export const dayNumber = (day: string): number => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
export const dayFromNumber = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);
export const addDays = (day: string, n: number): string => dayFromNumber(dayNumber(day) + n);
/** ISO weekday, Monday = 1 … Sunday = 7. */
export const isoWeekday = (day: string): number => ((dayNumber(day) + 3) % 7) + 1;
export const mondayOf = (day: string): string => addDays(day, 1 - isoWeekday(day));

/** The Mondays of `weeks` weeks from the Monday `start`. */
export function planWeeks(start: string, weeks: number): string[] {
  return Array.from({ length: weeks }, (_, i) => addDays(start, 7 * i));
}

export interface DayStaffing {
  day: string;
  contacts: number;
  agentHours: number;
  peakAgents: number;
}

export interface WeekRequirement {
  week: string;
  contacts: number;
  agentHours: number;
  requiredFte: number;
}

/** Required FTE per week from the stored days (see the convention above). */
export function requiredByWeek(weeks: string[], days: DayStaffing[], shrinkage: number, weeklyHours: number): WeekRequirement[] {
  const index = new Map(weeks.map((w, i) => [w, i]));
  const out = weeks.map((week) => ({ week, contacts: 0, agentHours: 0, requiredFte: 0 }));
  for (const d of days) {
    const i = index.get(mondayOf(d.day));
    if (i === undefined) continue;
    out[i]!.contacts += d.contacts;
    out[i]!.agentHours += d.agentHours;
  }
  for (const w of out) w.requiredFte = w.agentHours / (1 - shrinkage) / weeklyHours;
  return out;
}

export interface AgentSupply {
  fte: number;
  startDay: string;
  endDay: string | null;
  leave: { from: string; to: string }[];
}

export interface HiringClass {
  startDay: string;
  size: number;
  trainingWeeks: number;
  rampWeeks: number;
}

/** The share of its staff a week keeps under a monthly attrition rate. */
export const weeklyRetention = (monthlyAttrition: number): number => Math.pow(1 - monthlyAttrition, 12 / 52);

/** Days of the 7-day week starting `monday` that the agent works for the program: employed, not on leave. */
export function daysAvailable(agent: AgentSupply, monday: string): number {
  return daysAvailableFrom(dayRanges(agent), dayNumber(monday));
}

interface DayRanges {
  start: number;
  end: number;
  leave: [number, number][];
}

// Day numbers parsed once per agent: the projection asks 52 weeks × 7 days of every agent.
const dayRanges = (a: AgentSupply): DayRanges => ({
  start: dayNumber(a.startDay),
  end: a.endDay ? dayNumber(a.endDay) : Infinity,
  leave: a.leave.map((l) => [dayNumber(l.from), dayNumber(l.to)]),
});

function daysAvailableFrom(r: DayRanges, first: number): number {
  let n = 0;
  for (let d = Math.max(first, r.start); d < first + 7 && d <= r.end; d++) {
    if (!r.leave.some(([from, to]) => d >= from && d <= to)) n++;
  }
  return n;
}

/** Productive FTE of a hiring class in week `k` after its start week (k = 0 is the start week), before attrition. */
export function classProductivity(c: HiringClass, k: number): number {
  if (k < c.trainingWeeks) return 0;
  const ramp = k - c.trainingWeeks + 1;
  return ramp <= c.rampWeeks ? (c.size * ramp) / (c.rampWeeks + 1) : c.size;
}

export interface WeekSupply {
  week: string;
  /** Existing agents, after leave and attrition. */
  staff: number;
  /** Hiring classes, after training, ramp and attrition. */
  hires: number;
  available: number;
}

/** Available FTE per week (see the convention at the top). */
export function availableByWeek(weeks: string[], agents: AgentSupply[], opts: { monthlyAttrition: number; classes: HiringClass[] }): WeekSupply[] {
  const keep = weeklyRetention(opts.monthlyAttrition);
  const first = weeks.length ? dayNumber(weeks[0]!) : 0;
  const ranges = agents.map((a) => ({ fte: a.fte, r: dayRanges(a) }));
  return weeks.map((week, w) => {
    let staff = 0;
    const monday = dayNumber(week);
    for (const a of ranges) staff += (a.fte * daysAvailableFrom(a.r, monday)) / 7;
    staff *= Math.pow(keep, w);
    let hires = 0;
    for (const c of opts.classes) {
      const startWeek = Math.floor((dayNumber(c.startDay) - first) / 7);
      const k = w - startWeek;
      if (k < 0) continue;
      hires += classProductivity(c, k) * Math.pow(keep, k);
    }
    return { week, staff, hires, available: staff + hires };
  });
}

export interface PlanWeek {
  week: string;
  contacts: number;
  agentHours: number;
  required: number;
  available: number;
  /** available − required: negative is a shortfall. */
  gap: number;
  /** Shortfall FTE × weekly hours × hourly cost. */
  gapCost: number;
}

export function planTable(required: WeekRequirement[], supply: WeekSupply[], weeklyHours: number, hourlyCost: number): PlanWeek[] {
  return required.map((r, i) => {
    const available = supply[i]?.available ?? 0;
    const gap = available - r.requiredFte;
    return { week: r.week, contacts: r.contacts, agentHours: r.agentHours, required: r.requiredFte, available, gap, gapCost: Math.max(0, -gap) * weeklyHours * hourlyCost };
  });
}

export interface PlanTotals {
  contacts: number;
  maxRequired: number;
  shortWeeks: number;
  gapCost: number;
}

export function planTotals(weeks: PlanWeek[]): PlanTotals {
  return {
    contacts: weeks.reduce((s, w) => s + w.contacts, 0),
    maxRequired: weeks.reduce((m, w) => Math.max(m, w.required), 0),
    shortWeeks: weeks.filter((w) => w.gap < 0).length,
    gapCost: weeks.reduce((s, w) => s + w.gapCost, 0),
  };
}

/** The scenario's changes applied to one interval's contacts and AHT. */
export function applyScenario(contacts: number, ahtSeconds: number, s: { volumeChange: number; ahtChange: number | null; ahtChangeSeconds: number | null }): { contacts: number; ahtSeconds: number } {
  let aht = ahtSeconds;
  if (s.ahtChange !== null) aht = ahtSeconds * (1 + s.ahtChange);
  else if (s.ahtChangeSeconds !== null) aht = ahtSeconds + s.ahtChangeSeconds;
  return { contacts: contacts * (1 + s.volumeChange), ahtSeconds: Math.max(1, aht) };
}
