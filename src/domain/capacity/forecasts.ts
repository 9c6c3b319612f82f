import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { backtest, forecast, type ForecastMethod, type HistoryPoint } from "./forecast-math.ts";
import { summariseDays } from "./forecasts-adjustments.ts";
import { addDays, isoWeekday } from "./plans-math.ts";
import { day, int, parseInput } from "./plans-input.ts";
import { getProgram, type Program } from "./programs.ts";

// Forecasts (issue 5, item 4). A forecast is computed once, when it is created, and stored interval by interval
// (capacity_forecast_intervals), so that its page and every plan on it read rows instead of recomputing. Computing
// inline is measured fast enough (52 weeks of 15-minute intervals: see the report in forecasts.test.ts and the
// bench), so there is no job: the planner lands on the finished forecast.

export const METHODS: ForecastMethod[] = ["profile", "holt-winters"];
export const METHOD_LABELS: Record<ForecastMethod, string> = { profile: "Weekday × interval profile with trend", "holt-winters": "Holt-Winters, weekly season" };
/** The backtest forecasts the last four weeks of history from what precedes them. */
export const HOLDOUT_DAYS = 28;

const ForecastSchema = z.object({
  name: z.preprocess((v) => (typeof v === "string" ? v.replaceAll("\0", "").trim() : ""), z.string().max(100, { error: "Use at most 100 characters." })),
  method: z.enum(METHODS, { error: "Choose a method." }),
  history_weeks: int(1, 104, "the weeks of history to use"),
  start_day: day("Enter the first day of the forecast.").refine((d) => isoWeekday(d) === 1, { error: "Start on a Monday, so that the plan's weeks are whole weeks." }),
  horizon_weeks: int(1, 52, "the number of weeks to forecast"),
});

export interface ForecastRow {
  id: string;
  program_id: string;
  name: string;
  method: ForecastMethod;
  history_weeks: number;
  start_day: string;
  horizon_weeks: number;
  interval_minutes: number;
  backtest: Record<string, number> | null;
  holdout_days: number;
  history_from: string | null;
  history_to: string | null;
  created_at: Date;
  computed_at: Date;
}

const txt = (col: string) => sql<string>`${sql.ref(col)}::text`;

export async function findForecast(tx: Ctx, id: string): Promise<ForecastRow> {
  if (!isUuid(id)) throw new NotFound();
  const row = await tx.db
    .selectFrom("capacity_forecasts")
    .select(["id", "program_id", "name", "method", "history_weeks", "horizon_weeks", "interval_minutes", "backtest", "holdout_days", "created_at", "computed_at"])
    .select([txt("start_day").as("start_day"), sql<string | null>`history_from::text`.as("history_from"), sql<string | null>`history_to::text`.as("history_to")])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** The program's history between two days (inclusive), in the shape the forecast maths reads. */
async function readHistory(tx: Ctx, programId: string, from: string, to: string): Promise<HistoryPoint[]> {
  const rows = await sql<{ day: string; minute: number; offered: number; aht: number | null }>`
    select day::text as day, minute, offered, aht_seconds::float8 as aht from capacity_intervals
    where tenant_id = ${tx.tenantId} and program_id = ${programId} and day between ${from}::date and ${to}::date
    order by day, minute`.execute(tx.db);
  return rows.rows.map((r) => ({ day: r.day, minute: r.minute, offered: r.offered, ahtSeconds: r.aht }));
}

export interface ForecastComputation {
  points: { day: string; minute: number; contacts: number; ahtSeconds: number }[];
  backtest: Record<ForecastMethod, number> | null;
  historyFrom: string | null;
  historyTo: string | null;
}

/** The forecast and the backtest of both methods, from the weeks of history before the start day. */
export async function computeForecast(tx: Ctx, program: Program, input: { method: ForecastMethod; history_weeks: number; start_day: string; horizon_weeks: number }): Promise<ForecastComputation> {
  const to = addDays(input.start_day, -1);
  // The backtest needs its holdout on top of the weeks a forecast learns from.
  const history = await readHistory(tx, program.id, addDays(input.start_day, -(input.history_weeks * 7 + HOLDOUT_DAYS)), to);
  const learnFrom = addDays(input.start_day, -input.history_weeks * 7);
  const recent = history.filter((h) => h.day >= learnFrom);
  if (!recent.some((h) => h.offered > 0)) {
    throw new Invalid({ start_day: `This program has no contacts in the ${input.history_weeks} weeks before ${input.start_day}. Import volumes first, or choose another start day.` });
  }
  const common = { intervalMinutes: program.intervalMinutes, weeks: input.history_weeks, defaultAhtSeconds: program.defaultAhtSeconds };
  const points = forecast(input.method, recent, { ...common, startDay: input.start_day, horizonDays: input.horizon_weeks * 7 });
  const firstDay = history[0]?.day;
  // A backtest needs at least a week to learn from before the holdout.
  const enough = firstDay !== undefined && firstDay <= addDays(to, -(HOLDOUT_DAYS + 7) + 1);
  const bt = enough ? backtest(history, { ...common, holdoutDays: HOLDOUT_DAYS }) : null;
  return { points, backtest: bt, historyFrom: recent[0]?.day ?? null, historyTo: recent.at(-1)?.day ?? null };
}

/** A Postgres array literal ({a,b,c}) of plain values: one text parameter instead of postgres.js serialising an array. */
export const arrayLiteral = (values: (string | number)[]) => `{${values.join(",")}}`;

/**
 * Writes a forecast's intervals in one statement (unnest of four arrays, each sent as one text literal: measured
 * ~6× faster than binding JavaScript arrays for a year of 15-minute rows).
 */
export async function insertIntervals(tx: Ctx, forecastId: string, points: ForecastComputation["points"]): Promise<void> {
  const CHUNK = 20_000;
  for (let i = 0; i < points.length; i += CHUNK) {
    const part = points.slice(i, i + CHUNK);
    await sql`insert into capacity_forecast_intervals (tenant_id, forecast_id, day, minute, base_contacts, contacts, aht_seconds)
      select ${tx.tenantId}::uuid, ${forecastId}::uuid, d, m, c, c, a
      from unnest(${arrayLiteral(part.map((p) => p.day))}::text::date[], ${arrayLiteral(part.map((p) => p.minute))}::text::smallint[],
        ${arrayLiteral(part.map((p) => Math.max(0, p.contacts)))}::text::float8[],
        ${arrayLiteral(part.map((p) => Math.min(86400, Math.max(1, p.ahtSeconds))))}::text::float8[]) as t(d, m, c, a)`.execute(tx.db);
  }
}

/** Creates and computes a forecast of the program; Invalid (422) with field messages on bad input or no history. */
export async function createForecast(ctx: Ctx, programId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const program = await getProgram(ctx, programId);
  const input = parseInput(ForecastSchema, values);
  return inTransaction(ctx, async (tx) => {
    const computed = await computeForecast(tx, program, input);
    const id = Bun.randomUUIDv7();
    const name = input.name || `${input.method === "profile" ? "Profile" : "Holt-Winters"} from ${input.start_day}`;
    await tx.db
      .insertInto("capacity_forecasts")
      .values({
        tenant_id: tx.tenantId!, id, program_id: program.id, name, method: input.method, history_weeks: input.history_weeks, start_day: input.start_day,
        horizon_weeks: input.horizon_weeks, interval_minutes: program.intervalMinutes, backtest: computed.backtest, holdout_days: HOLDOUT_DAYS,
        history_from: computed.historyFrom, history_to: computed.historyTo, created_by: tx.actor?.id ?? null, created_at: tx.now, computed_at: tx.now,
      })
      .execute();
    await insertIntervals(tx, id, computed.points);
    await summariseDays(tx, id, input.start_day, addDays(input.start_day, input.horizon_weeks * 7 - 1));
    await audit(tx, "forecast.created", { type: "forecast", id }, { program_id: program.id, name, method: input.method, history_weeks: input.history_weeks, start_day: input.start_day, horizon_weeks: input.horizon_weeks, intervals: computed.points.length });
    return id;
  });
}

export async function deleteForecast(ctx: Ctx, id: string): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const f = await findForecast(tx, id);
    await tx.db.deleteFrom("capacity_forecasts").where("tenant_id", "=", tx.tenantId!).where("id", "=", f.id).execute();
    await audit(tx, "forecast.deleted", { type: "forecast", id: f.id }, { name: f.name, program_id: f.program_id });
    return f.program_id;
  });
}

export interface ForecastListRow {
  id: string;
  name: string;
  method: ForecastMethod;
  start_day: string;
  horizon_weeks: number;
  backtest: Record<string, number> | null;
  created_at: Date;
}

/** The program's latest forecasts (at most 50: older ones are rarely wanted and keep the page light). */
export async function listForecasts(ctx: Ctx, programId: string): Promise<{ program: Program; rows: ForecastListRow[] }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const program = await getProgram(tx, programId);
    const rows = await tx.db
      .selectFrom("capacity_forecasts")
      .select(["id", "name", "method", "horizon_weeks", "backtest", "created_at", txt("start_day").as("start_day")])
      .where("tenant_id", "=", tx.tenantId!)
      .where("program_id", "=", program.id)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(50)
      .execute();
    return { program, rows };
  });
}

/** Defaults for the new-forecast form: the Monday after the last day of history, 8 weeks, a year ahead. */
export async function forecastDefaults(ctx: Ctx, programId: string): Promise<Record<string, string>> {
  const last = await inTransaction(ctx, (tx) =>
    tx.db
      .selectFrom("capacity_intervals")
      .select(sql<string | null>`max(day)::text`.as("day"))
      .where("tenant_id", "=", tx.tenantId!)
      .where("program_id", "=", programId)
      .executeTakeFirst(),
  );
  const base = last?.day ?? new Date(ctx.now).toISOString().slice(0, 10);
  const wd = isoWeekday(base);
  return { method: "profile", history_weeks: "8", start_day: addDays(base, 8 - wd), horizon_weeks: "52", name: "" };
}
