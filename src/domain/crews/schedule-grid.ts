import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import type { AssignmentKind } from "./tables.ts";
import { pageParts, type PagePart, scheduleSettings, weekInfo, type Crew, type Person, type ScheduleSettings, type WeekOf } from "./schedule.ts";
import type { Week } from "./week.ts";

// The weekly grid's page (issue 7, item 2), read by crews: the crews' heads and sizes first (counted in SQL), which
// is all that paging, the crew filter and the page labels need; then only the people and cells of the page shown.
// Grouping and ordering follow groupByForeman exactly (test/domain/crews/schedule-grid.test.ts compares the two),
// so names sort by the same localeCompare as before, on a few dozen crews and one page of people.

/** What a grid cell shows of one assignment. */
export interface GridCell {
  kind: AssignmentKind;
  projectId: string | null;
  projectName: string | null;
  color: string | null;
  hours: number | null;
}

export interface Grid extends WeekOf {
  crews: Crew[];
  /** Key: `${employeeId}|${day}`. */
  cells: Map<string, GridCell[]>;
  page: number;
  pages: { n: number; label: string }[];
  foremen: { id: string; name: string }[];
  foreman: string | null;
  total: number;
}

export interface GridQuery {
  week: Week;
  page?: number;
  /** A foreman's id, or "none" for the people without one. */
  foreman?: string | null;
}

interface CrewHead {
  foremanId: string | null;
  title: string;
  size: number;
}

/**
 * Every crew's head, heading and number of active people, ordered as groupByForeman orders them. A head is anyone
 * an active person works under, or an active person whose trade is Foreman; everyone else belongs to their
 * foreman's crew, or to "No foreman".
 */
async function crewHeads(ctx: Ctx): Promise<CrewHead[]> {
  const { rows } = await sql<{ id: string | null; size: number; name: string | null; active: boolean | null }>`
    with led as (select distinct foreman_id as id from crew_employees where active and foreman_id is not null),
    crews as (
      select case when led.id is not null or lower(e.trade) = 'foreman' then e.id else e.foreman_id end as crew, count(*)::int as size
      from crew_employees e left join led on led.id = e.id where e.active group by 1)
    select c.crew as id, c.size, h.name, h.active
    from crews c left join lateral (select name, active from crew_employees h where h.id = c.crew) h on true`.execute(ctx.db);
  const led: CrewHead[] = [];
  let loose: CrewHead | null = null;
  for (const r of rows) {
    if (r.id === null) loose = { foremanId: null, title: "No foreman", size: r.size };
    else led.push({ foremanId: r.id, title: r.name === null ? "Unknown foreman" : r.active ? r.name : `${r.name} (inactive)`, size: r.size });
  }
  led.sort((a, b) => a.title.localeCompare(b.title) || a.foremanId!.localeCompare(b.foremanId!));
  return loose ? [...led, loose] : led;
}

/**
 * The people of some crews, each crew's head first and then by name. Three index lookups (the heads, the people
 * under them, and when asked those under nobody) rather than one condition with ORs, which scans everyone. `heads` is every crew's head (not only these
 * crews'): a head who works under another foreman belongs to their own crew, not to that foreman's.
 */
async function crewPeople(ctx: Ctx, crews: (string | null)[], heads: Set<string>): Promise<Map<string | null, Person[]>> {
  const ids = crews.filter((c): c is string => c !== null);
  const loose = crews.includes(null);
  const { rows } = await sql<{ id: string; name: string; trade: string; foreman_id: string | null }>`
    select id, name, trade, foreman_id from crew_employees where active and id = any(${ids}::uuid[])
    union all
    select id, name, trade, foreman_id from crew_employees where active and foreman_id = any(${ids}::uuid[]) and not id = any(${ids}::uuid[])
    union all
    select id, name, trade, foreman_id from crew_employees where ${loose}::boolean and active and foreman_id is null and not id = any(${ids}::uuid[])`.execute(ctx.db);
  const out = new Map<string | null, Person[]>(crews.map((c) => [c, []]));
  const sorted = rows.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  for (const r of sorted) {
    const crew = heads.has(r.id) ? r.id : r.foreman_id;
    const person: Person = { id: r.id, name: r.name, trade: r.trade, foremanId: r.foreman_id, email: null };
    if (crew === r.id) out.get(crew)?.unshift(person);
    else out.get(crew)?.push(person);
  }
  return out;
}

/** What each of these people has on each day: one JSON value, which decodes far faster than a row per assignment. */
async function gridCells(ctx: Ctx, employeeIds: string[], days: string[]): Promise<Map<string, GridCell[]>> {
  const out = new Map<string, GridCell[]>();
  if (!employeeIds.length) return out;
  type Row = [employeeId: string, day: string, kind: AssignmentKind, projectId: string | null, projectName: string | null, color: string | null, hours: number | null];
  const { rows } = await sql<{ cells: Row[] }>`
    select coalesce(json_agg(json_build_array(a.employee_id, a.day, a.kind, a.project_id, p.name, p.color, a.hours) order by a.day, p.name_key, a.id), '[]') as cells
    from crew_assignments a left join crew_projects p on p.tenant_id = a.tenant_id and p.id = a.project_id
    where a.day >= ${days[0]!} and a.day <= ${days[days.length - 1]!} and a.employee_id = any(${employeeIds}::uuid[])`.execute(ctx.db);
  for (const [employeeId, day, kind, projectId, projectName, color, hours] of rows[0]!.cells) {
    const key = `${employeeId}|${day}`;
    const cell: GridCell = { kind, projectId, projectName, color, hours };
    const list = out.get(key);
    if (list) list.push(cell);
    else out.set(key, [cell]);
  }
  return out;
}

/** One page of the weekly grid. `settings`, when the caller has them already, saves reading them again. */
export async function loadGrid(ctx: Ctx, q: GridQuery, known?: ScheduleSettings): Promise<Grid> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const settings = known ?? (await scheduleSettings(tx));
    const info = weekInfo(q.week, settings.weekStart);
    const all = await crewHeads(tx);
    const foremen = all.filter((c) => c.foremanId).map((c) => ({ id: c.foremanId!, name: c.title }));
    const foreman = q.foreman && (q.foreman === "none" || isUuid(q.foreman)) ? q.foreman : null;
    const chosen = foreman ? all.filter((c) => (foreman === "none" ? c.foremanId === null : c.foremanId === foreman)) : all;
    const pages = pageParts(chosen.map((c) => c.size));
    const page = Math.min(Math.max(1, q.page ?? 1), Math.max(1, pages.length));
    const parts = pages[page - 1] ?? [];
    const people = await crewPeople(tx, parts.map((p) => chosen[p.crew]!.foremanId), new Set(foremen.map((f) => f.id)));
    // Between the two reads another transaction may have moved someone: the page then shows a row more or less.
    const crews = parts.map((p): Crew => {
      const head = chosen[p.crew]!;
      return { foremanId: head.foremanId, title: head.title, people: people.get(head.foremanId)!.slice(p.start, p.start + p.count) };
    });
    const cells = await gridCells(tx, crews.flatMap((c) => c.people.map((p) => p.id)), info.days);
    const label = (p: PagePart[]) => {
      const [first, last] = [chosen[p[0]!.crew]!.title, chosen[p[p.length - 1]!.crew]!.title];
      return first === last ? first : `${first} – ${last}`;
    };
    return { ...info, crews, cells, page, pages: pages.map((p, i) => ({ n: i + 1, label: label(p) })), foremen, foreman, total: all.reduce((n, c) => n + c.size, 0) };
  });
}
