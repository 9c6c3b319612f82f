import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { buildProjection, onlyTrade, tradeKey, weekMasks, weekStarts, WORKING_DAYS_MASK, type Projection, type RequirementSpan, type ScheduleFigures } from "./projection-math.ts";
import type { ProjectStatus } from "./tables.ts";
import { addDays, currentWeek, formatWeek, parseWeek, weekOf, weekStartDate } from "./week.ts";

// The manpower projections (issue 7, item 3): three small queries per page. Requirements are few (a row per project,
// trade and date range), so their daily peaks are worked out in projection-math.ts. The schedule side, for weeks
// starting on Monday, is read from crew_trade_weeks (a row per ISO week and trade, kept exact by triggers, see
// 0022); for weeks starting on another day, from crew_assignment_weeks (a row per employee and ISO week, see 0016),
// two neighbouring rows per person combined and grouped per week and trade in SQL.

export const PROJECTION_WEEKS = [26, 52] as const;

export interface ProjectionQuery {
  /** 'YYYY-Www' as typed (or empty: this week). */
  from?: string;
  weeks?: string;
  /** A trade key (lower case) or empty for all trades. */
  trade?: string;
  /** "1": count the requirements of bids as well as of active projects. */
  bids?: string;
}

export interface ProjectionParams {
  from: string;
  weeks: 26 | 52;
  trade: string;
  bids: boolean;
}

export interface ProjectionResult {
  params: ProjectionParams;
  /** Every trade (key, name), for the filter. */
  tradeChoices: { key: string; name: string }[];
  /** The chosen trade's table, or all trades'. */
  projection: Projection;
  /** Week labels ('YYYY-Www'), one per week. */
  labels: string[];
  weekStart: number;
}

/** Reads the query string into parameters, or Invalid with a message per field. */
export function projectionParams(q: ProjectionQuery, now: Date, timeZone: string, weekStart: number): ProjectionParams {
  const errors: Record<string, string> = {};
  const typed = (q.from ?? "").trim();
  const week = typed ? parseWeek(typed, weekStart) : currentWeek(now, timeZone, weekStart);
  if (!week) errors.from = "Enter a week as YYYY-Www, for example 2026-W05.";
  const weeks = (q.weeks ?? "").trim() || "26";
  if (weeks !== "26" && weeks !== "52") errors.weeks = "Choose 26 or 52 weeks.";
  const trade = tradeKey(q.trade ?? "");
  if (trade.length > 50) errors.trade = "Choose a trade from the list.";
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { from: formatWeek(week!), weeks: Number(weeks) as 26 | 52, trade, bids: q.bids === "1" };
}

interface ScheduleRow {
  /** Weeks after the first (0, 1, …): integer keys keep the grouping cheap. */
  wk: number;
  /** As spelled on the employees; merged case-insensitively afterwards (a handful of rows). */
  trade: string;
  scheduled: number;
  away: number;
}

/** Distinct people on projects and active people away all week, per week and trade, from the weekly digests. */
async function scheduleRows(ctx: Ctx, first: string, last: string, weekStart: number): Promise<ScheduleRow[]> {
  if (weekStart === 1) {
    // A few hundred rows (weeks × trades), whatever the size of the workforce.
    const r = await sql<ScheduleRow>`
      select (monday - ${first}::date) / 7 as wk, trade, scheduled, away from crew_trade_weeks
      where tenant_id = ${ctx.tenantId} and monday between ${first}::date and ${last}::date`.execute(ctx.db);
    return r.rows;
  }
  const emp = sql`join crew_employees e on e.tenant_id = x.tenant_id and e.id = x.employee_id`;
  const totals = sql`count(*) filter (where x.p <> 0)::int as scheduled,
      count(*) filter (where e.active and x.q & ${WORKING_DAYS_MASK} = ${WORKING_DAYS_MASK})::int as away`;
  // A week starting on another day takes the end of one ISO week and the start of the next: each person's two rows
  // are joined and their masks cut to the days that belong to the workspace's week.
  const { offset, own, next } = weekMasks(weekStart);
  const r = await sql<ScheduleRow>`
    with r as (
      select tenant_id, employee_id, monday, project_days as p, pto_days as q from crew_assignment_weeks
      where tenant_id = ${ctx.tenantId} and monday between ${addDays(first, -offset)}::date and ${addDays(last, 7 - offset)}::date),
    x as (
      select coalesce(a.tenant_id, b.tenant_id) as tenant_id, coalesce(a.employee_id, b.employee_id) as employee_id,
             (coalesce(a.monday, b.monday - 7) + ${offset}::int - ${first}::date) / 7 as wk,
             (coalesce(a.p, 0) & ${own}) | (coalesce(b.p, 0) & ${next}) as p,
             (coalesce(a.q, 0) & ${own}) | (coalesce(b.q, 0) & ${next}) as q
      from r a full join r b on b.employee_id = a.employee_id and b.monday = a.monday + 7)
    select x.wk, e.trade, ${totals}
    from x ${emp}
    where x.wk between 0 and ${(dayDiff(first, last) / 7) | 0}
    group by 1, 2`.execute(ctx.db);
  return r.rows;
}

const dayDiff = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** The projection for these parameters in the workspace in ctx (anyone who may see records). */
export async function loadProjection(ctx: Ctx, q: ProjectionQuery): Promise<ProjectionResult> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const ws = await tx.db.selectFrom("tenants").select(["week_start", "time_zone"]).where("id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    const params = projectionParams(q, tx.now, ws.time_zone, ws.week_start);
    const first = weekStartDate(parseWeek(params.from, ws.week_start)!, ws.week_start);
    const weeks = weekStarts(first, params.weeks);
    const last = weeks.at(-1)!;
    const statuses: ProjectStatus[] = params.bids ? ["active", "bid"] : ["active"];
    const requirements: RequirementSpan[] = await tx.db
      .selectFrom("crew_requirements as r")
      .innerJoin("crew_projects as p", (j) => j.onRef("p.tenant_id", "=", "r.tenant_id").onRef("p.id", "=", "r.project_id"))
      .select(["r.trade", "r.headcount", sql<string>`r.starts_on::text`.as("starts_on"), sql<string>`r.ends_on::text`.as("ends_on")])
      .where("p.status", "in", statuses)
      .where("r.ends_on", ">=", first)
      .where("r.starts_on", "<=", addDays(last, 6))
      .execute();
    const people = await sql<{ trade: string; name: string; active: number }>`
      select lower(trade) as trade, min(trade) as name, count(*) filter (where active)::int as active
      from crew_employees group by 1`.execute(tx.db);
    const figures: ScheduleFigures = { scheduled: new Map(), away: new Map(), active: new Map(), names: new Map() };
    for (const p of people.rows) {
      figures.names.set(p.trade, p.name);
      if (p.active > 0) figures.active.set(p.trade, p.active);
    }
    for (const row of await scheduleRows(tx, first, last, ws.week_start)) {
      const key = tradeKey(row.trade);
      const week = weeks[row.wk]!;
      const put = (m: Map<string, Map<string, number>>, n: number) => {
        if (!n) return;
        if (!m.has(key)) m.set(key, new Map());
        m.get(key)!.set(week, (m.get(key)!.get(week) ?? 0) + n);
      };
      put(figures.scheduled, row.scheduled);
      put(figures.away, row.away);
    }
    const all = buildProjection(weeks, requirements, figures);
    const projection = params.trade ? onlyTrade(all, params.trade) : all;
    return {
      params,
      tradeChoices: all.trades.map((t) => ({ key: t.key, name: t.name })),
      projection,
      labels: weeks.map((w) => formatWeek(weekOf(w, ws.week_start))),
      weekStart: ws.week_start,
    };
  });
}
