import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { achievedMetrics, type IntervalAchieved, type PeriodAchieved, type StaffedInterval } from "./metrics-math.ts";
import { getProgram, type Program } from "./programs.ts";
import { addDays, daysBetween, isDay } from "./volumes.ts";

// Achieved metrics pages (issue 5, item 6): read a program's intervals for a range and hand them to the pure
// computation in metrics-math.ts. The range is capped so a page never grows without bound: 13 weeks by day (one
// table row a day), a year by week (one row a week); a longer range keeps its last days and says so.

export type MetricsGrain = "day" | "week";
export const MAX_DAYS: Record<MetricsGrain, number> = { day: 91, week: 364 };
/** The default range: the last 4 weeks that have staffing data. */
export const DEFAULT_DAYS = 28;

const date = z.string().max(10).refine((v) => v === "" || isDay(v), { error: "Enter a date as YYYY-MM-DD, e.g. 2025-03-03." });
const QuerySchema = z.object({
  from: date,
  to: date,
  view: z.enum(["", "day", "week"], { error: "Choose by day or by week." }),
});

export interface MetricsQuery {
  from: string;
  to: string;
  view: MetricsGrain;
}

/** The query string as typed, for re-showing the form next to its errors. */
export const rawQuery = (q: { from?: string; to?: string; view?: string }) => ({ from: (q.from ?? "").trim().slice(0, 10), to: (q.to ?? "").trim().slice(0, 10), view: (q.view ?? "").trim().slice(0, 10) });

export interface MetricsView {
  program: Program;
  from: string;
  to: string;
  view: MetricsGrain;
  /** Set when the asked range was longer than MAX_DAYS[view]: its start, before the cap. */
  cappedFrom: string | null;
  /** The last day with staffing data in the whole history, or null when none was ever imported. */
  lastStaffedDay: string | null;
  days: PeriodAchieved[];
  weeks: PeriodAchieved[];
  total: PeriodAchieved;
}

type Row = { day: string; minute: number; offered: number; aht_seconds: string | null; staffed_agents: string | null };

async function readIntervals(tx: Ctx, programId: string, from: string, to: string): Promise<StaffedInterval[]> {
  const rows = await sql<Row>`select day::text as day, minute, offered, aht_seconds, staffed_agents from capacity_intervals
    where tenant_id = ${tx.tenantId} and program_id = ${programId} and day between ${from}::date and ${to}::date
    order by day, minute`.execute(tx.db);
  return rows.rows.map((r) => ({
    day: r.day, minute: r.minute, offered: r.offered,
    ahtSeconds: r.aht_seconds === null ? null : Number(r.aht_seconds),
    staffed: r.staffed_agents === null ? null : Number(r.staffed_agents),
  }));
}

function parseQuery(query: { from?: string; to?: string; view?: string }): { from: string; to: string; view: MetricsGrain } {
  const parsed = QuerySchema.safeParse(rawQuery(query));
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
    throw new Invalid(errors);
  }
  const { from, to, view } = parsed.data;
  if (from && to && from > to) throw new Invalid({ from: "The start must be on or before the end." });
  return { from, to, view: view || "day" };
}

/** The metrics of a program (from getProgram) for ?from&to&view; Invalid for bad dates. */
export async function metricsView(ctx: Ctx, program: Program, query: { from?: string; to?: string; view?: string }): Promise<MetricsView> {
  authorize(ctx, "records.view");
  const q = parseQuery(query);
  return inTransaction(ctx, async (tx) => {
    // Both walk the primary key backwards from the program's last day, so they stop early.
    const last = await sql<{ staffed: string | null; any: string | null }>`select
      (select max(day)::text from capacity_intervals where tenant_id = ${tx.tenantId} and program_id = ${program.id} and staffed_agents is not null) as staffed,
      (select max(day)::text from capacity_intervals where tenant_id = ${tx.tenantId} and program_id = ${program.id}) as any`.execute(tx.db);
    const lastStaffedDay = last.rows[0]?.staffed ?? null;
    // Without any staffing yet, the last weeks of history still show how many intervals lack it.
    const fallback = lastStaffedDay ?? last.rows[0]?.any ?? tx.now.toISOString().slice(0, 10);
    const to = q.to || (q.from ? addDays(q.from, DEFAULT_DAYS - 1) : fallback);
    let from = q.from || addDays(to, -(DEFAULT_DAYS - 1));
    if (from > to) throw new Invalid({ from: "The start must be on or before the end." });
    let cappedFrom: string | null = null;
    if (daysBetween(from, to) >= MAX_DAYS[q.view]) {
      cappedFrom = from;
      from = addDays(to, -(MAX_DAYS[q.view] - 1));
    }
    const result = achievedMetrics(await readIntervals(tx, program.id, from, to), program);
    return { program, from, to, view: q.view, cappedFrom, lastStaffedDay, days: result.days, weeks: result.weeks, total: result.total };
  });
}

export interface MetricsDay {
  program: Program;
  day: string;
  intervals: IntervalAchieved[];
  total: PeriodAchieved;
  prev: string | null;
  next: string | null;
}

/** One day's intervals with their achieved metrics; a day that is not a date is a page that does not exist. */
export async function metricsDay(ctx: Ctx, programId: string, day: string): Promise<MetricsDay> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const program = await getProgram(tx, programId);
    if (!isDay(day)) throw new NotFound();
    const result = achievedMetrics(await readIntervals(tx, program.id, day, day), program);
    // The neighbouring days that hold any history, so the arrows never lead to an empty page.
    const around = await sql<{ prev: string | null; next: string | null }>`select
      (select max(day)::text from capacity_intervals where tenant_id = ${tx.tenantId} and program_id = ${program.id} and day < ${day}::date) as prev,
      (select min(day)::text from capacity_intervals where tenant_id = ${tx.tenantId} and program_id = ${program.id} and day > ${day}::date) as next`.execute(tx.db);
    return { program, day, intervals: result.intervals, total: result.total, prev: around.rows[0]?.prev ?? null, next: around.rows[0]?.next ?? null };
  });
}
