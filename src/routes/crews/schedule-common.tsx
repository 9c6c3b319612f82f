import type { Context } from "hono";
import { weekDistribution } from "../../domain/crews/distribution.ts";
import { projectOptions, resolveWeek, scheduleSettings } from "../../domain/crews/schedule.ts";
import { loadGrid } from "../../domain/crews/schedule-grid.ts";
import { employeeWeek, weekFromQuery } from "../../domain/crews/schedule-week.ts";
import { currentWeek } from "../../domain/crews/week.ts";
import { inTransaction, type Ctx } from "../../domain/context.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { EmployeeWeekPage } from "../../views/crews/schedule-cell.tsx";
import { SchedulePage } from "../../views/crews/schedule.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// The schedule's two pages, rendered for a GET or again after a POST that failed (422 / 409).

export type C = Context<AppEnv>;

export const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The grid's page and crew filter carried through a form (only well-formed values survive). */
export function backOf(values: Record<string, string | undefined>): { page: string; foreman: string } {
  const p = values.page ?? "";
  const f = values.foreman ?? "";
  return { page: /^\d{1,4}$/.test(p) ? p : "", foreman: f === "none" || UUID.test(f) ? f : "" };
}

/** Back to the grid at the week, page and crew the form came from, scrolled to the person's row. */
export function gridUrl(c: C, week: string, values: Record<string, string | undefined>, extra: { employeeId?: string; day?: string; done?: string; n?: number } = {}): string {
  const back = backOf(values);
  const q = new URLSearchParams({ week });
  if (back.page) q.set("page", back.page);
  if (back.foreman) q.set("foreman", back.foreman);
  if (extra.done) q.set("done", extra.done);
  if (extra.n !== undefined) q.set("n", String(extra.n));
  if (extra.day) q.set("at", extra.day);
  return `/t/${c.var.membership.slug}/crews/schedule?${q}${extra.employeeId ? `#r-${extra.employeeId}` : ""}`;
}

export interface GridOptions {
  week?: string;
  flash?: Flash | null;
  errors?: FieldErrors;
  conflicts?: { name: string; day: string }[];
  status?: 200 | 409 | 422;
  values?: Record<string, string | undefined>;
}

/** The grid page. An unreadable ?week answers 422 with the remembered (or current) week and a message. */
export async function gridPage(c: C, o: GridOptions = {}) {
  // One transaction for the page's handful of reads (and the remembered week), not one each.
  return inTransaction(requestCtx(c), (ctx) => gridPageIn(c, ctx, o));
}

async function gridPageIn(c: C, ctx: Ctx, o: GridOptions) {
  const settings = await scheduleSettings(ctx);
  const resolved = await resolveWeek(ctx, o.week, settings);
  let { status = 200, errors, flash } = o;
  if (resolved.invalid) {
    status = 422;
    errors = { ...errors, week: "Choose a week as YYYY-Www (e.g. 2025-W10)." };
    flash = { kind: "bad", message: errors.week! };
  }
  const values = o.values ?? { page: c.req.query("page"), foreman: c.req.query("foreman") };
  const back = backOf(values);
  const grid = await loadGrid(ctx, { week: resolved.week, page: Number(back.page || 1), foreman: back.foreman || null }, settings);
  const canEdit = can(ctx.actor?.role, "records.edit");
  const projects = await projectOptions(ctx, 60);
  const lastProject = canEdit ? resolved.lastProject : null;
  const distribution = await weekDistribution(ctx, grid.key);
  const v = { slug: c.var.membership.slug, grid, canEdit, projects, lastProject, distribution, conflicts: o.conflicts, errors };
  return page(c, <SchedulePage user={signedIn(c)} v={v} flash={flash} />, status);
}

/** A person's week with the cell form. */
export async function cellPage(c: C, o: { employeeId: string; week?: string; day?: string; values?: Record<string, string>; errors?: FieldErrors; conflicts?: { name: string; day: string }[]; status?: 200 | 409 | 422 }) {
  const ctx = requestCtx(c);
  const s = await scheduleSettings(ctx);
  const asked = weekFromQuery(o.week, o.day, s.weekStart);
  let status = o.status ?? 200;
  let errors = o.errors;
  if (!asked && o.week) {
    status = 422;
    errors = { ...errors, week: "Choose a week as YYYY-Www (e.g. 2025-W10)." };
  }
  const week = asked ?? (await resolveWeek(ctx, undefined)).week ?? currentWeek(ctx.now, s.timeZone, s.weekStart);
  const data = await employeeWeek(ctx, o.employeeId, week);
  const values = o.values ?? { day: o.day && data.week.days.includes(o.day) ? o.day : "", kind: "project" };
  const v = {
    slug: c.var.membership.slug,
    employee: data.employee,
    week: data.week,
    cells: data.cells,
    projects: await projectOptions(ctx),
    canEdit: can(ctx.actor?.role, "records.edit") && data.employee.active,
    values,
    errors,
    back: backOf(o.values ?? { page: c.req.query("page"), foreman: c.req.query("foreman") }),
    conflicts: o.conflicts,
  };
  return page(c, <EmployeeWeekPage user={signedIn(c)} v={v} />, status);
}
