import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import type { AssignmentKind } from "./tables.ts";
import { addWeeks, currentWeek, formatWeek, parseWeek, shortDay, weekDays, weekLabel, type Week } from "./week.ts";

// The weekly schedule (issue 7, item 2), read side: the workspace's week, the people grouped by foreman and paged
// by whole crews, and people's assignments for a week. The grid's own page read is in schedule-grid.ts.

/** Rows per page of the grid. Crews are never split unless one crew alone is longer than this. */
export const ROWS_PER_PAGE = 60;

export const STATUS_LABELS: Record<Exclude<AssignmentKind, "project">, string> = { pto: "PTO", sick: "Sick", training: "Training", off: "Off" };
export const KIND_LABELS: Record<AssignmentKind, string> = { project: "Project", ...STATUS_LABELS };

export interface ScheduleSettings {
  weekStart: number;
  timeZone: string;
  distributionWeekday: number;
  /** 'HH:MM' */
  distributionTime: string;
}

/** The workspace's week start and time zone, and its crews distribution settings (defaults when never saved). */
export async function scheduleSettings(ctx: Ctx): Promise<ScheduleSettings> {
  return inTransaction(ctx, async (tx) => {
    const t = await tx.db
      .selectFrom("tenants")
      .leftJoin("crew_settings", "crew_settings.tenant_id", "tenants.id")
      .select(["tenants.week_start", "tenants.time_zone", "crew_settings.distribution_weekday", sql<string | null>`crew_settings.distribution_time::text`.as("distribution_time")])
      .where("tenants.id", "=", tx.tenantId!)
      .executeTakeFirst();
    if (!t) throw new NotFound();
    return { weekStart: t.week_start, timeZone: t.time_zone, distributionWeekday: t.distribution_weekday ?? 5, distributionTime: (t.distribution_time ?? "14:00").slice(0, 5) };
  });
}

export interface Person {
  id: string;
  name: string;
  trade: string;
  foremanId: string | null;
  email: string | null;
}

export interface Crew {
  /** The foreman's id, or null for the people who work under nobody. */
  foremanId: string | null;
  /** Heading: the foreman's name. */
  title: string;
  /** The foreman first (when active), then their crew by name. */
  people: Person[];
}

/**
 * Groups active people under their foreman: a foreman is anyone someone works under (or whose trade is Foreman);
 * they head their own crew, even if they work under another foreman. Crews are ordered by foreman name; the
 * people without a foreman come last.
 */
export function groupByForeman(people: Person[], names: Map<string, string> = new Map()): Crew[] {
  const byId = new Map(people.map((p) => [p.id, p]));
  const heads = new Set<string>();
  for (const p of people) {
    if (p.foremanId) heads.add(p.foremanId);
    if (p.trade.toLowerCase() === "foreman") heads.add(p.id);
  }
  const crews = new Map<string, Crew>();
  const loose: Person[] = [];
  for (const id of heads) {
    const head = byId.get(id);
    const title = head?.name ?? names.get(id) ?? "Unknown foreman";
    crews.set(id, { foremanId: id, title, people: head ? [head] : [] });
  }
  const sorted = [...people].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  for (const p of sorted) {
    if (heads.has(p.id)) continue;
    if (p.foremanId && crews.has(p.foremanId)) crews.get(p.foremanId)!.people.push(p);
    else loose.push(p);
  }
  const out = [...crews.values()].filter((c) => c.people.length > 0).sort((a, b) => a.title.localeCompare(b.title) || a.foremanId!.localeCompare(b.foremanId!));
  if (loose.length) out.push({ foremanId: null, title: "No foreman", people: loose });
  return out;
}

/** One page's share of a crew: `count` of its people from `start`, the crew being `crew` (an index). */
export interface PagePart {
  crew: number;
  start: number;
  count: number;
}

/**
 * Packs whole crews, given by their sizes, into pages of at most `size` rows; a crew longer than a page is split
 * over several.
 */
export function pageParts(sizes: number[], size = ROWS_PER_PAGE): PagePart[][] {
  const pages: PagePart[][] = [];
  let current: PagePart[] = [];
  let rows = 0;
  sizes.forEach((n, crew) => {
    for (let start = 0; start < n; start += size) {
      const count = Math.min(size, n - start);
      if (rows + count > size && current.length) {
        pages.push(current);
        current = [];
        rows = 0;
      }
      current.push({ crew, start, count });
      rows += count;
    }
  });
  if (current.length) pages.push(current);
  return pages;
}

/** pageParts with the crews' people. */
export function pageCrews(crews: Crew[], size = ROWS_PER_PAGE): Crew[][] {
  return pageParts(crews.map((c) => c.people.length), size).map((page) =>
    page.map(({ crew, start, count }) => ({ ...crews[crew]!, people: crews[crew]!.people.slice(start, start + count) })),
  );
}

export interface Cell {
  id: string;
  kind: AssignmentKind;
  projectId: string | null;
  projectName: string | null;
  color: string | null;
  hours: number | null;
  /** 'HH:MM' */
  startTime: string | null;
}

export interface WeekOf {
  week: Week;
  key: string;
  days: string[];
  prev: string;
  next: string;
  /** "Mon 3 Mar" for each day. */
  labels: string[];
  /** "3 Mar – 9 Mar 2025" */
  range: string;
}

export function weekInfo(week: Week, weekStart: number): WeekOf {
  const days = weekDays(week, weekStart);
  return { week, key: formatWeek(week), days, prev: formatWeek(addWeeks(week, -1, weekStart)), next: formatWeek(addWeeks(week, 1, weekStart)), labels: days.map(shortDay), range: weekLabel(days) };
}

/** Active people of the workspace, by name. */
export async function activePeople(ctx: Ctx): Promise<Person[]> {
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_employees").select(["id", "name", "trade", "foreman_id as foremanId", "email"]).where("active", "=", true).orderBy("name_key").orderBy("id").execute(),
  );
}

/** Each (employee, day) of a week with its assignments, for some employees. Key: `${employeeId}|${day}`. */
export async function weekCells(ctx: Ctx, employeeIds: string[] | null, days: string[]): Promise<Map<string, Cell[]>> {
  const out = new Map<string, Cell[]>();
  if (employeeIds && !employeeIds.length) return out;
  let q = ctx.db
    .selectFrom("crew_assignments as a")
    .leftJoin("crew_projects as p", (j) => j.onRef("p.tenant_id", "=", "a.tenant_id").onRef("p.id", "=", "a.project_id"))
    .select([
      "a.id",
      "a.employee_id",
      sql<string>`a.day::text`.as("day"),
      "a.kind",
      "a.project_id",
      "p.name as project_name",
      "p.color",
      "a.hours",
      sql<string | null>`to_char(a.start_time, 'HH24:MI')`.as("start_time"),
    ])
    .where("a.day", ">=", days[0]!)
    .where("a.day", "<=", days[days.length - 1]!);
  // One array parameter, not a placeholder per person (a grid page binds 60).
  if (employeeIds) q = q.where("a.employee_id", "=", sql<string>`any(${employeeIds}::uuid[])`);
  const rows = await q.orderBy("a.day").orderBy("p.name_key").execute();
  for (const r of rows) {
    const key = `${r.employee_id}|${r.day}`;
    const cell: Cell = { id: r.id, kind: r.kind, projectId: r.project_id, projectName: r.project_name, color: r.color, hours: r.hours === null ? null : Number(r.hours), startTime: r.start_time };
    const list = out.get(key);
    if (list) list.push(cell);
    else out.set(key, [cell]);
  }
  return out;
}

/** Two or more projects on one day. */
export const doubleBooked = (cells: Cell[] | undefined) => (cells ?? []).filter((c) => c.kind === "project").length > 1;

/**
 * The week to show: the one asked for, else the last this user looked at, else the current one. Remembers it,
 * writing only when it changed (a page view that changes nothing costs no write). Also returns the project this
 * user last put someone on (the same row), for the keyboard's "repeat" key.
 */
export async function resolveWeek(ctx: Ctx, asked: string | undefined, known?: ScheduleSettings): Promise<{ week: Week; invalid: boolean; lastProject: string | null }> {
  return inTransaction(ctx, async (tx) => {
    const s = known ?? (await scheduleSettings(tx));
    const userId = tx.actor?.type === "user" ? tx.actor.id : null;
    let week: Week | null = asked === undefined ? null : parseWeek(asked, s.weekStart);
    const invalid = asked !== undefined && week === null;
    const pref = userId ? await tx.db.selectFrom("crew_schedule_prefs").select(["last_week", "last_project_id"]).where("user_id", "=", userId).executeTakeFirst() : undefined;
    if (!week && !invalid && pref?.last_week) week = parseWeek(pref.last_week, s.weekStart);
    week ??= currentWeek(tx.now, s.timeZone, s.weekStart);
    const key = formatWeek(week);
    if (userId && !invalid && pref?.last_week !== key) {
      await tx.db
        .insertInto("crew_schedule_prefs")
        .values({ tenant_id: tx.tenantId!, user_id: userId, last_week: key, updated_at: tx.now })
        .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet({ last_week: key, updated_at: tx.now }).where(sql<boolean>`crew_schedule_prefs.last_week is distinct from ${key}`))
        .execute();
    }
    return { week, invalid, lastProject: pref?.last_project_id ?? null };
  });
}

export interface ProjectOption {
  id: string;
  name: string;
  number: string | null;
  color: string;
}

/** Projects people can be put on (not complete), by name. Bounded: a workspace runs tens of projects at once. */
export async function projectOptions(ctx: Ctx, limit = 300): Promise<ProjectOption[]> {
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_projects").select(["id", "name", "number", "color"]).where("status", "<>", "complete").orderBy("name_key").orderBy("id").limit(limit).execute(),
  );
}
