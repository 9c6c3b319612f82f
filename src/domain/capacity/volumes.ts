import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";

// Contact volume history (issue 5, item 3): what the charts and the other capacity pages read. Days are
// 'YYYY-MM-DD' strings in the program's local calendar; they are compared as text and shifted with date maths in
// UTC, where no day has 23 or 25 hours.

export interface HistoryRow {
  day: string;
  minute: number;
  offered: number;
  ahtSeconds: number | null;
  staffed: number | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const isDay = (v: string) => DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
/** ISO weekday of a day: Monday 1 … Sunday 7. */
export const weekday = (day: string) => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

async function assertProgram(tx: Ctx, programId: string): Promise<void> {
  if (!isUuid(programId)) throw new NotFound();
  const p = await tx.db.selectFrom("capacity_programs").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", programId).executeTakeFirst();
  if (!p) throw new NotFound();
}

/**
 * A program's interval history, ordered by day and minute, from `from` to `to` inclusive (either open). For the
 * forecasts and plans: one query on the primary key, ~35,000 rows a year at 15 minutes.
 */
export async function historyOf(ctx: Ctx, programId: string, range: { from?: string; to?: string } = {}): Promise<HistoryRow[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    await assertProgram(tx, programId);
    let q = tx.db
      .selectFrom("capacity_intervals")
      .select(["minute", "offered", "aht_seconds", "staffed_agents", sql<string>`day::text`.as("day")])
      .where("tenant_id", "=", tx.tenantId!)
      .where("program_id", "=", programId);
    if (range.from) q = q.where("day", ">=", range.from);
    if (range.to) q = q.where("day", "<=", range.to);
    const rows = await q.orderBy("day").orderBy("minute").execute();
    return rows.map((r) => ({ day: r.day, minute: r.minute, offered: r.offered, ahtSeconds: r.aht_seconds === null ? null : Number(r.aht_seconds), staffed: r.staffed_agents === null ? null : Number(r.staffed_agents) }));
  });
}

export interface HistorySummary {
  firstDay: string | null;
  lastDay: string | null;
  days: number;
  intervals: number;
  offered: number;
}

/** What a program's history holds: its range, days with data, intervals and contacts offered. */
export async function historySummary(ctx: Ctx, programId: string): Promise<HistorySummary> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    await assertProgram(tx, programId);
    const r = await tx.db
      .selectFrom("capacity_intervals")
      .select([
        sql<string | null>`min(day)::text`.as("first"),
        sql<string | null>`max(day)::text`.as("last"),
        sql<number>`count(distinct day)::int`.as("days"),
        sql<number>`count(*)::int`.as("intervals"),
        sql<string>`coalesce(sum(offered), 0)::text`.as("offered"),
      ])
      .where("tenant_id", "=", tx.tenantId!)
      .where("program_id", "=", programId)
      .executeTakeFirstOrThrow();
    return { firstDay: r.first, lastDay: r.last, days: r.days, intervals: r.intervals, offered: Number(r.offered) };
  });
}

// ---- The volumes page ----

export const HEATMAP_MAX_DAYS = 56;
export const CHART_MAX_DAYS = 366;
export const TABLE_MAX_DAYS = 31;

const RangeSchema = z.object({
  from: z.string().max(10).refine((v) => v === "" || isDay(v), { error: "Enter a date as YYYY-MM-DD." }),
  to: z.string().max(10).refine((v) => v === "" || isDay(v), { error: "Enter a date as YYYY-MM-DD." }),
});

export interface DailyTotal {
  day: string;
  offered: number;
  handled: number | null;
  /** Weighted by handled contacts (or offered where handled is missing). */
  ahtSeconds: number | null;
}

export interface VolumesView {
  from: string;
  to: string;
  /** The heatmap's own range: the last 8 weeks of [from, to] at most. */
  heatFrom: string;
  summary: HistorySummary;
  daily: DailyTotal[];
  /** Heatmap cells, day × minute. */
  cells: { day: string; minute: number; offered: number }[];
  chartFrom: string;
}

/**
 * The volumes page's data for ?from&to (default: the last 4 weeks of history). The daily chart shows up to a year,
 * the heatmap up to 8 weeks (the end of the range): a year of 15-minute cells would blow the page budget.
 */
export async function volumesView(ctx: Ctx, programId: string, query: { from?: string; to?: string }): Promise<VolumesView> {
  authorize(ctx, "records.view");
  const parsed = RangeSchema.safeParse({ from: (query.from ?? "").trim().slice(0, 10), to: (query.to ?? "").trim().slice(0, 10) });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
    throw new Invalid(errors);
  }
  return inTransaction(ctx, async (tx) => {
    const summary = await historySummary(tx, programId);
    const today = tx.now.toISOString().slice(0, 10);
    const to = parsed.data.to || summary.lastDay || today;
    const from = parsed.data.from || addDays(to, -27);
    if (from > to) throw new Invalid({ from: "The start must be on or before the end." });
    const chartFrom = daysBetween(from, to) >= CHART_MAX_DAYS ? addDays(to, -(CHART_MAX_DAYS - 1)) : from;
    const heatFrom = daysBetween(from, to) >= HEATMAP_MAX_DAYS ? addDays(to, -(HEATMAP_MAX_DAYS - 1)) : from;
    const base = tx.db.selectFrom("capacity_intervals").where("tenant_id", "=", tx.tenantId!).where("program_id", "=", programId);
    const daily = await base
      .select([
        sql<string>`day::text`.as("day"),
        sql<number>`sum(offered)::int`.as("offered"),
        sql<number | null>`sum(handled)::int`.as("handled"),
        sql<string | null>`(sum(aht_seconds * coalesce(handled, offered)) / nullif(sum(case when aht_seconds is not null then coalesce(handled, offered) end), 0))::text`.as("aht"),
      ])
      .where("day", ">=", chartFrom)
      .where("day", "<=", to)
      .groupBy("day")
      .orderBy("day")
      .execute();
    const cells = await base.select([sql<string>`day::text`.as("day"), "minute", "offered"]).where("day", ">=", heatFrom).where("day", "<=", to).orderBy("day").orderBy("minute").execute();
    return {
      from,
      to,
      heatFrom,
      chartFrom,
      summary,
      daily: daily.map((d) => ({ day: d.day, offered: d.offered, handled: d.handled, ahtSeconds: d.aht === null ? null : Number(d.aht) })),
      cells,
    };
  });
}
