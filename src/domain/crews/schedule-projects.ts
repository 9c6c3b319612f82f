import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { scheduleSettings, weekInfo, type WeekOf } from "./schedule.ts";
import type { Week } from "./week.ts";

// The schedule by project (issue 7, item 2): each project's crew per day of a week, names and counts.

/** Projects per page of the by-project view. */
export const PROJECTS_PER_PAGE = 20;

export interface ProjectWeekRow {
  id: string;
  name: string;
  number: string | null;
  color: string;
  /** Per day of the week: the names of the people on the project, by name. */
  days: string[][];
}

/** Every project with someone on it during these days, by name. */
export async function projectWeek(ctx: Ctx, days: string[]): Promise<ProjectWeekRow[]> {
  const rows = await ctx.db
    .selectFrom("crew_assignments as a")
    .innerJoin("crew_projects as p", (j) => j.onRef("p.tenant_id", "=", "a.tenant_id").onRef("p.id", "=", "a.project_id"))
    .innerJoin("crew_employees as e", (j) => j.onRef("e.tenant_id", "=", "a.tenant_id").onRef("e.id", "=", "a.employee_id"))
    .select(["p.id", "p.name", "p.number", "p.color", sql<string>`a.day::text`.as("day"), "e.name as person"])
    .where("a.kind", "=", "project")
    .where("a.day", ">=", days[0]!)
    .where("a.day", "<=", days[days.length - 1]!)
    .orderBy("p.name_key")
    .orderBy("p.id")
    .orderBy("e.name_key")
    .execute();
  const out = new Map<string, ProjectWeekRow>();
  for (const r of rows) {
    let p = out.get(r.id);
    if (!p) out.set(r.id, (p = { id: r.id, name: r.name, number: r.number, color: r.color, days: days.map(() => []) }));
    p.days[days.indexOf(r.day)]!.push(r.person);
  }
  return [...out.values()];
}

export interface ProjectWeekPage extends WeekOf {
  projects: ProjectWeekRow[];
  page: number;
  pages: number;
  /** Headcount per day over all projects (not only this page). */
  totals: number[];
}

/** One page of the by-project view. */
export async function loadProjectWeek(ctx: Ctx, week: Week, page = 1): Promise<ProjectWeekPage> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const s = await scheduleSettings(tx);
    const info = weekInfo(week, s.weekStart);
    const all = await projectWeek(tx, info.days);
    const pages = Math.max(1, Math.ceil(all.length / PROJECTS_PER_PAGE));
    const p = Math.min(Math.max(1, page), pages);
    const totals = info.days.map((_, i) => all.reduce((n, row) => n + row.days[i]!.length, 0));
    return { ...info, projects: all.slice((p - 1) * PROJECTS_PER_PAGE, p * PROJECTS_PER_PAGE), page: p, pages, totals };
  });
}
