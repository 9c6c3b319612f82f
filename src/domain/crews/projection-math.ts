import { addDays } from "./week.ts";

// The arithmetic of the manpower projections (issue 7, item 3), free of SQL so that tests can check it by hand.
//
// The rules, as the page states them:
// - Required (per week and trade): the most people of that trade needed on any one day of the week. A requirement
//   covering part of a week counts in full on the days it covers; two requirements of one trade add up only on the
//   days they share (5 finishers Monday–Tuesday then 5 Wednesday–Friday is 5 for that week, not 10).
// - Scheduled: distinct employees of the trade with at least one project day in the week (a person booked on two
//   projects, or on three days, counts once).
// - Available: active employees of the trade, less those on PTO on every working day (Monday to Friday) of the
//   week. Someone on PTO for part of the week still counts as available.
// - Gap = available − required. Negative is a shortfall.

export interface RequirementSpan {
  trade: string;
  headcount: number;
  /** YYYY-MM-DD, inclusive. */
  starts_on: string;
  ends_on: string;
}

export interface WeekFigures {
  required: number;
  scheduled: number;
  available: number;
  /** available − required: negative is a shortfall. */
  gap: number;
}

export interface TradeRow {
  /** lower-cased trade, the grouping key (trades are free text: "Finisher" and "finisher" are one trade). */
  key: string;
  name: string;
  weeks: WeekFigures[];
}

export interface Projection {
  /** First day of each week, in order. */
  weeks: string[];
  trades: TradeRow[];
  /** Per week, every trade added up (required is then the sum of each trade's peak). */
  totals: WeekFigures[];
}

export const tradeKey = (trade: string) => trade.trim().toLowerCase();

const dayMs = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));

/**
 * Required headcount per trade key and week: for each trade, the daily sums over the whole range (a difference
 * array, so the work is one pass over the requirements plus one over the days), then the peak of each week.
 */
export function requiredByWeek(weeks: string[], requirements: RequirementSpan[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (weeks.length === 0) return out;
  // Day numbers from the first day, from the dates' digits (Date.parse of a string was most of this function's time).
  const first = dayMs(weeks[0]!);
  const dayIndex = (day: string) => Math.round((dayMs(day) - first) / 86_400_000);
  const days = weeks.length * 7;
  const diffs = new Map<string, Int32Array>();
  for (const r of requirements) {
    const from = Math.max(0, dayIndex(r.starts_on));
    const to = Math.min(days - 1, dayIndex(r.ends_on));
    if (to < from) continue;
    const key = tradeKey(r.trade);
    let d = diffs.get(key);
    if (!d) diffs.set(key, (d = new Int32Array(days + 1)));
    d[from]! += r.headcount;
    d[to + 1]! -= r.headcount;
  }
  for (const [key, d] of diffs) {
    const peaks = new Array<number>(weeks.length).fill(0);
    let running = 0;
    for (let i = 0; i < days; i++) {
      running += d[i]!;
      const w = Math.floor(i / 7);
      if (running > peaks[w]!) peaks[w] = running;
    }
    out.set(key, peaks);
  }
  return out;
}

/** The first days of `count` consecutive weeks from `first`. */
export function weekStarts(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addDays(first, i * 7));
}

export interface ScheduleFigures {
  /** Per trade key: week start → distinct employees with a project day. */
  scheduled: Map<string, Map<string, number>>;
  /** Per trade key: week start → active employees on PTO every working day. */
  away: Map<string, Map<string, number>>;
  /** Per trade key: active employees now. */
  active: Map<string, number>;
  /** Per trade key: how the trade is spelled (from the employees, else the requirements). */
  names: Map<string, string>;
}

/**
 * The table: every trade that has active employees, a requirement or a scheduled person in the range, sorted by
 * name, each with its four figures per week, and the totals across trades.
 */
export function buildProjection(weeks: string[], requirements: RequirementSpan[], s: ScheduleFigures): Projection {
  const required = requiredByWeek(weeks, requirements);
  const names = new Map(s.names);
  for (const r of requirements) if (!names.has(tradeKey(r.trade))) names.set(tradeKey(r.trade), r.trade.trim());
  const keys = new Set([...s.active.keys(), ...required.keys(), ...s.scheduled.keys()]);
  const trades: TradeRow[] = [...keys]
    .map((key) => ({
      key,
      name: names.get(key) ?? key,
      weeks: weeks.map((w, i) => {
        const req = required.get(key)?.[i] ?? 0;
        const available = Math.max(0, (s.active.get(key) ?? 0) - (s.away.get(key)?.get(w) ?? 0));
        return { required: req, scheduled: s.scheduled.get(key)?.get(w) ?? 0, available, gap: available - req };
      }),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, "en") || a.key.localeCompare(b.key));
  const totals = weeks.map((_, i) => {
    const t = { required: 0, scheduled: 0, available: 0, gap: 0 };
    for (const row of trades) {
      const f = row.weeks[i]!;
      t.required += f.required;
      t.scheduled += f.scheduled;
      t.available += f.available;
      t.gap += f.gap;
    }
    return t;
  });
  return { weeks, trades, totals };
}

/** The trade's rows only (its totals are its own figures); unknown keys give an empty table. */
export function onlyTrade(p: Projection, key: string): Projection {
  const row = p.trades.find((t) => t.key === key);
  return { weeks: p.weeks, trades: row ? [row] : [], totals: row ? row.weeks : p.weeks.map(() => ({ required: 0, scheduled: 0, available: 0, gap: 0 })) };
}

export const isShort = (f: WeekFigures) => f.gap < 0;

/** Bit masks of ISO weekdays (bit 0 = Monday) that a week starting on `weekStart` takes from its Monday's ISO week
 *  (`own`) and from the next one (`next`). */
export function weekMasks(weekStart: number): { offset: number; own: number; next: number } {
  const next = (1 << (weekStart - 1)) - 1;
  return { offset: weekStart - 1, own: 127 & ~next, next };
}

/** Monday to Friday. */
export const WORKING_DAYS_MASK = 0b0011111;
