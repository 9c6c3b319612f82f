import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { CREWS_PAGE_SIZE, decodeAfter, encodeAfter, isDay } from "./people-common.ts";
import { addDays, isoWeekday, localDate } from "./week.ts";

// Crews analytics (issue 7, item 4) over a date range, straight from the schedule. The definitions, as the page
// states them:
// - Person-days: a person on a project on a day. By project and by region, a person booked on two projects the same
//   day counts once on each; by trade and in the total, once. People: distinct employees.
// - Region: the project's region (where the work is).
// - Utilisation: weekdays on at least one project ÷ (weekdays in the range − weekdays off on PTO or sick).
//   Weekends are left out of both, so utilisation stays between 0 and 100 %.

export const MAX_RANGE_DAYS = 366;
/** By project, the busiest this many; the page says how many more there are. */
export const PROJECTS_CAP = 30;
const GROUPS_CAP = 50;
/** Monday to Friday (bit 0 = Monday). */
const WEEKDAYS = 0b0011111;

export interface AnalyticsQuery {
  from?: string;
  to?: string;
  after?: string;
}

export interface Headcount {
  id: string | null;
  name: string | null;
  personDays: number;
  people: number;
}

export interface Utilisation {
  id: string;
  name: string;
  trade: string;
  projectDays: number;
  workingDays: number;
  /** 0…1, or null when there was no working day (all PTO or sick). */
  ratio: number | null;
}

export interface Analytics {
  from: string;
  to: string;
  totals: { personDays: number; people: number };
  projects: Headcount[];
  moreProjects: number;
  regions: Headcount[];
  trades: Headcount[];
  employees: Utilisation[];
  next: string | null;
}

/** Weekdays (Monday to Friday) from `from` to `to`, both included. */
export function weekdaysBetween(from: string, to: string): number {
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  let n = Math.floor(days / 7) * 5;
  for (let i = 0; i < days % 7; i++) if (isoWeekday(addDays(from, Math.floor(days / 7) * 7 + i)) <= 5) n++;
  return n;
}

/** The range asked for, or the last four weeks to today in the workspace's time zone. */
export function analyticsRange(q: AnalyticsQuery, now: Date, timeZone: string): { from: string; to: string } {
  const today = localDate(now, timeZone);
  const to = (q.to ?? "").trim() || today;
  const from = (q.from ?? "").trim() || addDays(isDay(to) ? to : today, -27);
  const errors: Record<string, string> = {};
  if (!isDay(from)) errors.from = "Enter a date as YYYY-MM-DD.";
  if (!isDay(to)) errors.to = "Enter a date as YYYY-MM-DD.";
  else if (isDay(from) && to < from) errors.to = "The last day cannot be before the first.";
  else if (isDay(from) && Date.parse(to) - Date.parse(from) >= MAX_RANGE_DAYS * 86_400_000) errors.to = `Choose at most ${MAX_RANGE_DAYS} days.`;
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { from, to };
}

interface GroupRow {
  by_region: number;
  project_id: string | null;
  name: string | null;
  region_id: string | null;
  region: string | null;
  person_days: number;
  people: number;
}

export async function loadAnalytics(ctx: Ctx, q: AnalyticsQuery): Promise<Analytics> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const ws = await tx.db.selectFrom("tenants").select("time_zone").where("id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    const { from, to } = analyticsRange(q, tx.now, ws.time_zone);
    const after = decodeAfter(q.after);
    const tenant = tx.tenantId!;

    // Projects and regions from the schedule itself: one scan of the range, grouped per project and person first.
    const groups = await sql<GroupRow>`
      with pe as (
        select project_id, employee_id, count(*)::int as n from crew_assignments
        where tenant_id = ${tenant} and kind = 'project' and day between ${from}::date and ${to}::date group by 1, 2),
      g as (
        select grouping(p.id)::int as by_region, p.id as project_id, min(p.name) as name, p.region_id,
               sum(pe.n)::int as person_days, count(distinct pe.employee_id)::int as people
        from pe join crew_projects p on p.tenant_id = ${tenant} and p.id = pe.project_id
        group by grouping sets ((p.id), (p.region_id)))
      select g.*, r.name as region from g left join crew_regions r on r.tenant_id = ${tenant} and r.id = g.region_id and g.by_region = 1
      order by g.person_days desc, g.name, g.project_id`.execute(tx.db);
    const projectRows = groups.rows.filter((r) => r.by_region === 0);
    const regionRows = groups.rows.filter((r) => r.by_region === 1).slice(0, GROUPS_CAP);

    // Trades, totals and utilisation from the weekly digest (0016): each row's day masks cut to the range, so a
    // person-day is counted once however many projects it holds.
    const inRange = sql`(((1 << (least(6, ${to}::date - w.monday) + 1)) - 1) & ~((1 << greatest(0, ${from}::date - w.monday)) - 1))`;
    const inDigest = sql`w.tenant_id = ${tenant} and w.monday between ${from}::date - 6 and ${to}::date`;
    const trades = await sql<{ trade: string; person_days: number; people: number }>`
      select e.trade, sum(bit_count((w.project_days & ${inRange})::bit(7)))::int as person_days,
             count(distinct w.employee_id) filter (where w.project_days & ${inRange} <> 0)::int as people
      from crew_assignment_weeks w join crew_employees e on e.tenant_id = w.tenant_id and e.id = w.employee_id
      where ${inDigest} and w.project_days <> 0
      group by e.trade`.execute(tx.db);
    const byTrade = new Map<string, Headcount>();
    for (const r of trades.rows) {
      const key = r.trade.toLowerCase();
      const t = byTrade.get(key) ?? { id: null, name: r.trade, personDays: 0, people: 0 };
      t.personDays += r.person_days;
      t.people += r.people;
      byTrade.set(key, t);
    }
    const tradeRows = [...byTrade.values()].filter((t) => t.personDays > 0).sort((a, b) => b.personDays - a.personDays || a.name!.localeCompare(b.name!));

    // Utilisation, a page of active employees by name; each reads its own weeks through (employee, monday).
    const page = await sql<{ id: string; name: string; name_key: string; trade: string; project_days: number; away_days: number }>`
      select e.id, e.name, e.name_key, e.trade, coalesce(s.project_days, 0)::int as project_days, coalesce(s.away_days, 0)::int as away_days
      from crew_employees e
      left join lateral (
        select sum(bit_count((w.project_days & ${inRange} & ${WEEKDAYS})::bit(7))) as project_days,
               sum(bit_count(((w.pto_days | w.sick_days) & ${inRange} & ${WEEKDAYS})::bit(7))) as away_days
        from crew_assignment_weeks w where w.employee_id = e.id and ${inDigest}) s on true
      where e.active ${after ? sql`and (e.name_key, e.id) > (${after[0]}, ${after[1]}::uuid)` : sql``}
      order by e.name_key, e.id limit ${CREWS_PAGE_SIZE + 1}`.execute(tx.db);
    const weekdays = weekdaysBetween(from, to);
    const rows = page.rows.slice(0, CREWS_PAGE_SIZE);
    const last = rows.at(-1);
    const head = (r: GroupRow, region: boolean): Headcount =>
      region ? { id: r.region_id, name: r.region, personDays: r.person_days, people: r.people } : { id: r.project_id, name: r.name, personDays: r.person_days, people: r.people };
    return {
      from,
      to,
      totals: { personDays: tradeRows.reduce((n, t) => n + t.personDays, 0), people: tradeRows.reduce((n, t) => n + t.people, 0) },
      projects: projectRows.slice(0, PROJECTS_CAP).map((r) => head(r, false)),
      moreProjects: Math.max(0, projectRows.length - PROJECTS_CAP),
      regions: regionRows.map((r) => head(r, true)),
      trades: tradeRows.slice(0, GROUPS_CAP),
      employees: rows.map((r) => {
        const workingDays = Math.max(0, weekdays - r.away_days);
        return { id: r.id, name: r.name, trade: r.trade, projectDays: r.project_days, workingDays, ratio: workingDays > 0 ? Math.min(1, r.project_days / workingDays) : null };
      }),
      next: page.rows.length > CREWS_PAGE_SIZE && last ? encodeAfter(last.name_key, last.id) : null,
    };
  });
}
