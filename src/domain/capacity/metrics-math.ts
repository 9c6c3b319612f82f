import { metricsAt, type Queue, type QueueMetrics } from "./erlang.ts";
import type { Program } from "./programs.ts";

// Achieved metrics (issue 5, item 6): what the engine says the imported staffed agents delivered in each interval,
// aggregated per day and per ISO week against the program's goals. Pure, no I/O.
//
// Staffed agents are often averages over the interval (4.5 = four agents for half of it, five for the other half),
// so a fractional count is read as that mix: service level, ASA, probability of waiting and abandonment are
// interpolated linearly between the metrics at ⌊n⌋ and ⌈n⌉ agents, and busy agents likewise (occupancy is then busy
// over the n staffed). Under Erlang C an interval with no more agents than traffic has an unbounded queue: service
// level 0, ASA ∞ (and every period containing it has an ASA of ∞ too: the model has no steady state there).

/** One interval of history as the metrics read it. */
export interface StaffedInterval {
  day: string;
  minute: number;
  offered: number;
  ahtSeconds: number | null;
  /** Null: no staffing was imported for this interval. */
  staffed: number | null;
}

export type MetricsProgram = Pick<Program, "intervalMinutes" | "slTarget" | "slSeconds" | "asaGoalSeconds" | "maxOccupancy" | "patienceSeconds" | "maxAbandonRate" | "defaultAhtSeconds">;

export type Goal = "serviceLevel" | "asa" | "occupancy" | "abandon";

export const GOAL_NAMES: Record<Goal, string> = { serviceLevel: "service level", asa: "ASA", occupancy: "occupancy", abandon: "abandonment" };

/** Achieved figures of an interval or a period; null where there is nothing to weigh (no contacts, no staff). */
export interface Achieved {
  serviceLevel: number | null;
  asaSeconds: number | null;
  occupancy: number | null;
  /** Erlang A only (the program has a patience). */
  abandonRate: number | null;
  misses: Goal[];
}

export interface IntervalAchieved extends Achieved {
  day: string;
  minute: number;
  offered: number;
  ahtSeconds: number;
  staffed: number | null;
  trafficErlangs: number;
}

export interface PeriodAchieved extends Achieved {
  /** The day, or the Monday starting the ISO week. */
  start: string;
  /** Contacts offered in the intervals with staffing data (the weights). */
  offered: number;
  /** Staffed agent-hours and busy agent-hours (handling contacts). */
  staffedHours: number;
  busyHours: number;
  intervals: number;
  /** Intervals in the period without staffing data: left out of every figure. */
  noData: number;
}

export interface MetricsResult {
  intervals: IntervalAchieved[];
  days: PeriodAchieved[];
  weeks: PeriodAchieved[];
  total: PeriodAchieved;
}

// Goals are met within this tolerance, as the engine's requiredAgents does, so float noise never shows as a miss.
const EPS = 1e-9;

/** The goals that a figure misses; a figure that is null (nothing to weigh) misses nothing. */
export function missedGoals(a: Omit<Achieved, "misses">, p: MetricsProgram): Goal[] {
  const out: Goal[] = [];
  if (a.serviceLevel !== null && a.serviceLevel < p.slTarget - EPS) out.push("serviceLevel");
  if (p.asaGoalSeconds !== null && a.asaSeconds !== null && !(a.asaSeconds <= p.asaGoalSeconds + EPS)) out.push("asa");
  if (p.maxOccupancy !== null && a.occupancy !== null && a.occupancy > p.maxOccupancy + EPS) out.push("occupancy");
  if (p.patienceSeconds !== null && p.maxAbandonRate !== null && a.abandonRate !== null && a.abandonRate > p.maxAbandonRate + EPS) out.push("abandon");
  return out;
}

/** (1 − f)·x + f·y without 0·∞ = NaN: an infinite end counts only when it has weight. */
const mix = (x: number, y: number, f: number) => (f === 0 ? x : f === 1 ? y : (1 - f) * x + f * y);

/** The engine's metrics at a possibly fractional number of agents, with the busy agents (occupancy × agents). */
export function metricsAtStaffed(q: Queue, staffed: number): QueueMetrics & { busyAgents: number } {
  const lo = Math.floor(staffed);
  const f = staffed - lo;
  const a = metricsAt(q, lo);
  const busyLo = a.occupancy * lo;
  if (f === 0) return { ...a, busyAgents: busyLo };
  const b = metricsAt(q, lo + 1);
  const busy = mix(busyLo, b.occupancy * (lo + 1), f);
  const m: QueueMetrics & { busyAgents: number } = {
    trafficErlangs: a.trafficErlangs,
    agents: staffed,
    probabilityOfWaiting: mix(a.probabilityOfWaiting, b.probabilityOfWaiting, f),
    serviceLevel: mix(a.serviceLevel, b.serviceLevel, f),
    asaSeconds: mix(a.asaSeconds, b.asaSeconds, f),
    occupancy: staffed > 0 ? busy / staffed : 0,
    busyAgents: busy,
  };
  if (a.abandonRate !== undefined && b.abandonRate !== undefined) m.abandonRate = mix(a.abandonRate, b.abandonRate, f);
  return m;
}

/** Monday of the ISO week holding `day` (weeks run Monday to Sunday). */
export function isoWeekStart(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  const back = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - back * 86_400_000).toISOString().slice(0, 10);
}

/** "2025-W09" for the ISO week holding `day` (its year is the year of the week's Thursday). */
export function isoWeekLabel(day: string): string {
  const thursday = new Date(Date.parse(`${isoWeekStart(day)}T00:00:00Z`) + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** Running sums for a period: SL, ASA and abandonment weighted by contacts; occupancy as busy over staffed time. */
class Period {
  offered = 0;
  sl = 0;
  asa = 0;
  abandon = 0;
  staffed = 0;
  busy = 0;
  intervals = 0;
  noData = 0;
  constructor(readonly start: string) {}

  add(i: IntervalAchieved, busyAgents: number): void {
    this.intervals++;
    this.staffed += i.staffed!;
    this.busy += busyAgents;
    if (i.offered > 0) {
      this.offered += i.offered;
      this.sl += i.offered * i.serviceLevel!;
      this.asa += i.offered * i.asaSeconds!;
      this.abandon += i.offered * (i.abandonRate ?? 0);
    }
  }

  result(p: MetricsProgram, hours: number): PeriodAchieved {
    const w = this.offered;
    const a = {
      serviceLevel: w > 0 ? this.sl / w : null,
      asaSeconds: w > 0 ? this.asa / w : null,
      occupancy: this.staffed > 0 ? this.busy / this.staffed : null,
      abandonRate: w > 0 && p.patienceSeconds !== null ? this.abandon / w : null,
    };
    return {
      ...a, misses: missedGoals(a, p), start: this.start, offered: w, staffedHours: this.staffed * hours, busyHours: this.busy * hours,
      intervals: this.intervals, noData: this.noData,
    };
  }
}

/**
 * The achieved metrics of every interval with staffing data (AHT: the interval's, else the program's default),
 * and per day, per ISO week and over everything given. Rows must be ordered by day (then minute).
 */
export function achievedMetrics(rows: StaffedInterval[], p: MetricsProgram): MetricsResult {
  const intervalSeconds = p.intervalMinutes * 60;
  const hours = p.intervalMinutes / 60;
  const intervals: IntervalAchieved[] = [];
  const days: Period[] = [];
  const weeks: Period[] = [];
  const total = new Period(rows[0]?.day ?? "");
  for (const r of rows) {
    if (days.at(-1)?.start !== r.day) days.push(new Period(r.day));
    const week = isoWeekStart(r.day);
    if (weeks.at(-1)?.start !== week) weeks.push(new Period(week));
    // An AHT of 0 with contacts offered is a gap in the export, not instant handling.
    const aht = r.ahtSeconds !== null && r.ahtSeconds > 0 ? r.ahtSeconds : p.defaultAhtSeconds;
    const base = { day: r.day, minute: r.minute, offered: r.offered, ahtSeconds: aht, staffed: r.staffed, trafficErlangs: (r.offered * aht) / intervalSeconds };
    if (r.staffed === null) {
      intervals.push({ ...base, serviceLevel: null, asaSeconds: null, occupancy: null, abandonRate: null, misses: [] });
      for (const period of [days.at(-1)!, weeks.at(-1)!, total]) period.noData++;
      continue;
    }
    const q: Queue = { contacts: r.offered, intervalSeconds, ahtSeconds: aht, targetAnswerSeconds: p.slSeconds };
    if (p.patienceSeconds !== null) q.patienceSeconds = p.patienceSeconds;
    const m = metricsAtStaffed(q, r.staffed);
    const a = {
      // Service level and ASA describe contacts: an interval without any has none to report.
      serviceLevel: r.offered > 0 ? m.serviceLevel : null,
      asaSeconds: r.offered > 0 ? m.asaSeconds : null,
      occupancy: r.staffed > 0 ? m.occupancy : null,
      abandonRate: r.offered > 0 && m.abandonRate !== undefined ? m.abandonRate : null,
    };
    const i: IntervalAchieved = { ...base, ...a, misses: missedGoals(a, p) };
    intervals.push(i);
    for (const period of [days.at(-1)!, weeks.at(-1)!, total]) period.add(i, m.busyAgents);
  }
  return { intervals, days: days.map((d) => d.result(p, hours)), weeks: weeks.map((w) => w.result(p, hours)), total: total.result(p, hours) };
}
