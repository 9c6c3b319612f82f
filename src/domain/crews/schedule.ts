import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import type { AssignmentKind } from "./tables.ts";
import { addWeeks, currentWeek, formatWeek, parseWeek, shortDay, weekDays, weekLabel, type Week } from "./week.ts";

// The weekly schedule (issue 7, item 2), read side: the workspace's week, the people grouped by foreman and paged
// by whole crews, and each visible person's assignments for the week.

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

export interface Page {
  crews: Crew[];
  /** Label of each page: the first and last crew title. */
  labels: string[];
}

/** Packs whole crews into pages of at most `size` rows; a crew longer than a page is split over several. */
export function pageCrews(crews: Crew[], size = ROWS_PER_PAGE): Crew[][] {
  const pages: Crew[][] = [];
  let current: Crew[] = [];
  let rows = 0;
  for (const crew of crews) {
    for (let i = 0; i < crew.people.length; i += size) {
      const part = { ...crew, people: crew.people.slice(i, i + size) };
      if (rows + part.people.length > size && current.length) {
        pages.push(current);
        current = [];
        rows = 0;
      }
      current.push(part);
      rows += part.people.length;
    }
  }
  if (current.length) pages.push(current);
  return pages;
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

/**
 * Active people of the workspace, for grouping. The grid, which reads all of them on every view, leaves out the
 * email addresses it never shows (`email: false`; they come back null).
 */
export async function activePeople(ctx: Ctx, opts: { email?: boolean } = {}): Promise<Person[]> {
  const email = opts.email === false ? sql<null>`null`.as("email") : ("email" as const);
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_employees").select(["id", "name", "trade", "foreman_id as foremanId", email]).where("active", "=", true).orderBy("name_key").orderBy("id").execute(),
  );
}

/** Names of the foremen people work under who are not active (so their crew still has a heading). */
async function inactiveForemen(ctx: Ctx, people: Person[]): Promise<Map<string, string>> {
  const ids = new Set(people.map((p) => p.id));
  const missing = [...new Set(people.map((p) => p.foremanId).filter((f): f is string => !!f && !ids.has(f)))];
  if (!missing.length) return new Map();
  const rows = await ctx.db.selectFrom("crew_employees").select(["id", "name"]).where("id", "in", missing).execute();
  return new Map(rows.map((r) => [r.id, `${r.name} (inactive)`]));
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

export interface Grid extends WeekOf {
  crews: Crew[];
  cells: Map<string, Cell[]>;
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

/** One page of the weekly grid. `settings`, when the caller has them already, saves reading them again. */
export async function loadGrid(ctx: Ctx, q: GridQuery, known?: ScheduleSettings): Promise<Grid> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const settings = known ?? (await scheduleSettings(tx));
    const info = weekInfo(q.week, settings.weekStart);
    const people = await activePeople(tx, { email: false });
    const all = groupByForeman(people, await inactiveForemen(tx, people));
    const foremen = all.filter((c) => c.foremanId).map((c) => ({ id: c.foremanId!, name: c.title }));
    const foreman = q.foreman && (q.foreman === "none" || isUuid(q.foreman)) ? q.foreman : null;
    const chosen = foreman ? all.filter((c) => (foreman === "none" ? c.foremanId === null : c.foremanId === foreman)) : all;
    const pages = pageCrews(chosen);
    const page = Math.min(Math.max(1, q.page ?? 1), Math.max(1, pages.length));
    const crews = pages[page - 1] ?? [];
    const ids = crews.flatMap((c) => c.people.map((p) => p.id));
    const cells = await weekCells(tx, ids, info.days);
    const label = (p: Crew[]) => (p.length === 1 || p[0]!.title === p[p.length - 1]!.title ? p[0]!.title : `${p[0]!.title} – ${p[p.length - 1]!.title}`);
    return { ...info, crews, cells, page, pages: pages.map((p, i) => ({ n: i + 1, label: label(p) })), foremen, foreman, total: people.length };
  });
}

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
