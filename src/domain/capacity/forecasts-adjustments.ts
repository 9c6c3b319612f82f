import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { findForecast } from "./forecasts.ts";
import { day, optionalPercent, optionalTime, parseInput, text } from "./plans-input.ts";
import { addDays } from "./plans-math.ts";
import { recomputeForecastPlans } from "./plans.ts";

// Manual adjustments (issue 5, item 4): ± % on a range of dates and, optionally, a range of intervals of each of
// those days, with a note ("campaign +20 %"). They are kept and listed; the stored forecast keeps its base
// contacts, and `contacts` is the base with every covering adjustment applied. Overlapping adjustments multiply
// (+20 % and −50 % on the same interval give ×1.2 × 0.5 = ×0.6). Plans on the forecast are recomputed with it.

const AdjustmentSchema = z
  .object({
    from_day: day("Enter the first day."),
    to_day: day("Enter the last day."),
    from_time: optionalTime,
    to_time: optionalTime,
    change: optionalPercent(-100, 1000).refine((v) => v !== null && v !== 0, { error: "Enter the change in percent, e.g. 20 or -15." }),
    note: text(200, "Say why, e.g. “Spring campaign”."),
  })
  .superRefine((v, ctx) => {
    if (v.to_day < v.from_day) ctx.addIssue({ code: "custom", path: ["to_day"], message: "The last day cannot be before the first." });
    if ((v.from_time === null) !== (v.to_time === null)) ctx.addIssue({ code: "custom", path: [v.from_time === null ? "from_time" : "to_time"], message: "Give both times, or neither for whole days." });
    else if (v.from_time !== null && v.to_time !== null && v.to_time <= v.from_time) ctx.addIssue({ code: "custom", path: ["to_time"], message: "The end time must be after the start time." });
  });

/**
 * Recomputes `contacts` from `base_contacts` for the forecast's intervals between two days, with every adjustment
 * that covers each interval. Only the range touched is rewritten.
 */
async function reapply(tx: Ctx, forecastId: string, from: string, to: string): Promise<void> {
  await sql`
    update capacity_forecast_intervals fi set contacts = fi.base_contacts * coalesce((
      select case when bool_or(a.change <= -1) then 0 else exp(sum(ln(1 + a.change))) end
      from capacity_forecast_adjustments a
      where a.tenant_id = fi.tenant_id and a.forecast_id = fi.forecast_id and fi.day between a.from_day and a.to_day
        and (a.from_minute is null or (fi.minute >= a.from_minute and fi.minute < a.to_minute))), 1)
    where fi.tenant_id = ${tx.tenantId} and fi.forecast_id = ${forecastId} and fi.day between ${from}::date and ${to}::date`.execute(tx.db);
  await summariseDays(tx, forecastId, from, to);
}

/** Rewrites the per-day totals of the forecast between two days from its intervals. */
export async function summariseDays(tx: Ctx, forecastId: string, from: string, to: string): Promise<void> {
  await sql`
    insert into capacity_forecast_days (tenant_id, forecast_id, day, base_contacts, contacts, work_seconds)
    select tenant_id, forecast_id, day, sum(base_contacts), sum(contacts), sum(contacts * aht_seconds)
    from capacity_forecast_intervals
    where tenant_id = ${tx.tenantId} and forecast_id = ${forecastId} and day between ${from}::date and ${to}::date
    group by tenant_id, forecast_id, day
    on conflict (tenant_id, forecast_id, day) do update
      set base_contacts = excluded.base_contacts, contacts = excluded.contacts, work_seconds = excluded.work_seconds`.execute(tx.db);
}

export async function addAdjustment(ctx: Ctx, forecastId: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const f = await findForecast(tx, forecastId);
    const input = parseInput(AdjustmentSchema, values);
    const end = addDays(f.start_day, f.horizon_weeks * 7 - 1);
    if (input.from_day < f.start_day || input.from_day > end) throw new Invalid({ from_day: `Choose a day from ${f.start_day} to ${end}.` });
    if (input.to_day > end) throw new Invalid({ to_day: `Choose a day up to ${end}, the forecast's last day.` });
    const n = await tx.db.selectFrom("capacity_forecast_adjustments").select(sql<number>`count(*)::int`.as("n")).where("tenant_id", "=", tx.tenantId!).where("forecast_id", "=", f.id).executeTakeFirst();
    if ((n?.n ?? 0) >= 100) throw new Invalid({ note: "A forecast has at most 100 adjustments: delete some first." });
    const id = Bun.randomUUIDv7();
    const row = { from_day: input.from_day, to_day: input.to_day, from_minute: input.from_time, to_minute: input.to_time, change: input.change!, note: input.note };
    await tx.db.insertInto("capacity_forecast_adjustments").values({ tenant_id: tx.tenantId!, id, forecast_id: f.id, ...row, created_by: tx.actor?.id ?? null, created_at: tx.now }).execute();
    await reapply(tx, f.id, input.from_day, input.to_day);
    await recomputeForecastPlans(tx, f.id, f.program_id);
    await audit(tx, "forecast_adjustment.created", { type: "forecast", id: f.id }, { adjustment_id: id, ...row });
  });
}

export async function deleteAdjustment(ctx: Ctx, forecastId: string, adjustmentId: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const f = await findForecast(tx, forecastId);
    if (!isUuid(adjustmentId)) throw new NotFound();
    const row = await tx.db
      .deleteFrom("capacity_forecast_adjustments")
      .where("tenant_id", "=", tx.tenantId!)
      .where("forecast_id", "=", f.id)
      .where("id", "=", adjustmentId)
      .returning(["id", "change", "note", sql<string>`from_day::text`.as("from_day"), sql<string>`to_day::text`.as("to_day")])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await reapply(tx, f.id, row.from_day, row.to_day);
    await recomputeForecastPlans(tx, f.id, f.program_id);
    await audit(tx, "forecast_adjustment.deleted", { type: "forecast", id: f.id }, { adjustment_id: row.id, change: row.change, note: row.note, from_day: row.from_day, to_day: row.to_day });
  });
}

export interface AdjustmentRow {
  id: string;
  from_day: string;
  to_day: string;
  from_minute: number | null;
  to_minute: number | null;
  change: number;
  note: string;
  created_at: Date;
}

export async function adjustmentsOf(tx: Ctx, forecastId: string): Promise<AdjustmentRow[]> {
  return (
    await sql<AdjustmentRow>`select id, from_day::text as from_day, to_day::text as to_day, from_minute, to_minute, change, note, created_at
      from capacity_forecast_adjustments where tenant_id = ${tx.tenantId} and forecast_id = ${forecastId} order by from_day, created_at limit 100`.execute(tx.db)
  ).rows;
}

export interface ForecastWeek {
  week: string;
  base: number;
  adjusted: number;
  ahtSeconds: number;
}

export interface ForecastDay {
  day: string;
  base: number;
  adjusted: number;
}

/** Daily totals (base and adjusted) of the stored forecast, from its day summaries; weeks are summed from them. */
export async function forecastDays(tx: Ctx, forecastId: string): Promise<{ days: ForecastDay[]; weeks: ForecastWeek[] }> {
  const rows = await sql<{ day: string; week: string; base: number; adjusted: number; work: number }>`
    select day::text as day, date_trunc('week', day)::date::text as week, base_contacts as base, contacts as adjusted, work_seconds as work
    from capacity_forecast_days where tenant_id = ${tx.tenantId} and forecast_id = ${forecastId} order by day`.execute(tx.db);
  const weeks: ForecastWeek[] = [];
  const work: number[] = [];
  for (const r of rows.rows) {
    let w = weeks.at(-1);
    if (!w || w.week !== r.week) {
      w = { week: r.week, base: 0, adjusted: 0, ahtSeconds: 0 };
      weeks.push(w);
      work.push(0);
    }
    w.base += r.base;
    w.adjusted += r.adjusted;
    work[work.length - 1]! += r.work;
  }
  weeks.forEach((w, i) => (w.ahtSeconds = w.adjusted > 0 ? work[i]! / w.adjusted : 0));
  return { days: rows.rows.map((r) => ({ day: r.day, base: r.base, adjusted: r.adjusted })), weeks };
}
