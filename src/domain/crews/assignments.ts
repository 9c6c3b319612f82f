import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { scheduleSettings, STATUS_LABELS } from "./schedule.ts";
import type { AssignmentKind } from "./tables.ts";
import { addDays, formatWeek, parseWeek, weekDays, weekOf, workingDays, type Week } from "./week.ts";

// The weekly schedule (issue 7, item 2), write side: a day, the working days of a week, a copy of last week, and
// clearing. Each action is one transaction with one audit event; bad input throws Invalid before anything is
// written, and a copy that meets filled cells throws CopyConflicts and writes nothing.

export const KINDS = ["project", "pto", "sick", "training", "off"] as const satisfies readonly AssignmentKind[];

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

const What = z
  .object({
    employee_id: z.string().trim().max(100).refine(isUuid, { error: "Choose an employee." }),
    kind: z.enum(KINDS, { error: "Choose a project or a status." }),
    project_id: z.string().trim().max(100).optional().default(""),
    hours: z
      .string()
      .trim()
      .max(10)
      .optional()
      .default("")
      .refine((v) => v === "" || (/^\d{1,2}(\.\d{1,2})?$/.test(v) && Number(v) > 0 && Number(v) <= 24), { error: "Hours are a number above 0 and at most 24 (e.g. 8 or 7.5)." })
      .transform((v) => (v === "" ? null : Number(v))),
    start_time: z
      .string()
      .trim()
      .max(10)
      .optional()
      .default("")
      .refine((v) => v === "" || /^([01]\d|2[0-3]):[0-5]\d(:00)?$/.test(v), { error: "Enter a start time as HH:MM (e.g. 07:00)." })
      .transform((v) => (v === "" ? null : v.slice(0, 5))),
  })
  .superRefine((v, c) => {
    if (v.kind === "project" && !v.project_id) c.addIssue({ code: "custom", path: ["project_id"], message: "Choose a project." });
    if (v.kind === "project" && v.project_id && !isUuid(v.project_id)) c.addIssue({ code: "custom", path: ["project_id"], message: "Choose a project from the list." });
    if (v.kind !== "project" && v.project_id) c.addIssue({ code: "custom", path: ["project_id"], message: `${STATUS_LABELS[v.kind]} is a status, not a project: leave the project empty or choose "Project".` });
    if (v.kind !== "project" && (v.hours !== null || v.start_time !== null))
      c.addIssue({ code: "custom", path: [v.hours !== null ? "hours" : "start_time"], message: "Hours and start time are for a project day." });
  });

export const AssignSchema = What.and(
  z.object({
    day: z.string().trim().max(10).refine(isDate, { error: "Choose a day." }),
    // "add" keeps the day's other projects (a second job the same day: flagged as double booking).
    mode: z.enum(["replace", "add"]).optional().default("replace"),
  }),
);
export type AssignInput = z.output<typeof AssignSchema>;

export const WeekAssignSchema = What.and(z.object({ week: z.string().trim().max(10) }));

function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of error.issues) {
    const k = String(i.path[0] ?? "_form");
    out[k] ??= i.message;
  }
  return out;
}

function parse<S extends z.ZodType>(schema: S, values: Record<string, string>): z.output<S> {
  const r = schema.safeParse(values);
  if (!r.success) throw new Invalid(fieldErrors(r.error));
  return r.data;
}

/** The week named in a form, or Invalid on the given field. */
export function weekField(value: string | undefined, weekStart: number, field = "week"): Week {
  const w = parseWeek(value ?? "", weekStart);
  if (!w) throw new Invalid({ [field]: "Choose a week as YYYY-Www (e.g. 2025-W10)." });
  return w;
}

async function activeEmployee(ctx: Ctx, id: string): Promise<{ id: string; name: string }> {
  const e = await ctx.db.selectFrom("crew_employees").select(["id", "name", "active"]).where("id", "=", id).executeTakeFirst();
  if (!e) throw new NotFound("We couldn't find that employee.");
  if (!e.active) throw new Invalid({ employee_id: `${e.name} is not active: make them active before scheduling them.` });
  return e;
}

async function checkProject(ctx: Ctx, id: string | null): Promise<string | null> {
  if (!id) return null;
  const p = await ctx.db.selectFrom("crew_projects").select(["name", "status"]).where("id", "=", id).executeTakeFirst();
  if (!p) throw new Invalid({ project_id: "Choose a project from the list." });
  if (p.status === "complete") throw new Invalid({ project_id: `${p.name} is complete: choose another project.` });
  return p.name;
}

interface Content {
  kind: AssignmentKind;
  project_id: string | null;
  hours: number | null;
  start_time: string | null;
}

async function cellLabels(ctx: Ctx, employeeId: string, day: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom("crew_assignments as a")
    .leftJoin("crew_projects as p", (j) => j.onRef("p.tenant_id", "=", "a.tenant_id").onRef("p.id", "=", "a.project_id"))
    .select(["a.kind", "p.name", "a.hours"])
    .where("a.employee_id", "=", employeeId)
    .where("a.day", "=", day)
    .orderBy("p.name_key")
    .execute();
  return rows.map((r) => (r.kind === "project" ? `${r.name}${r.hours ? ` ${Number(r.hours)}h` : ""}` : STATUS_LABELS[r.kind]));
}

/** Puts content in one cell. "replace" empties the cell first; "add" keeps other projects but drops a status. */
async function setCell(tx: Ctx, employeeId: string, day: string, c: Content, mode: "replace" | "add"): Promise<void> {
  let del = tx.db.deleteFrom("crew_assignments").where("employee_id", "=", employeeId).where("day", "=", day);
  if (mode === "add" && c.kind === "project") del = del.where((eb) => eb.or([eb("kind", "<>", "project"), eb("project_id", "=", c.project_id)]));
  await del.execute();
  await tx.db
    .insertInto("crew_assignments")
    .values({ tenant_id: tx.tenantId!, id: Bun.randomUUIDv7(), employee_id: employeeId, day, kind: c.kind, project_id: c.project_id, hours: c.hours, start_time: c.start_time, created_by: tx.actor?.id ?? null, created_at: tx.now })
    .execute();
}

async function rememberProject(tx: Ctx, projectId: string | null): Promise<void> {
  const userId = tx.actor?.type === "user" ? tx.actor.id : null;
  if (!userId || !projectId) return;
  await tx.db
    .insertInto("crew_schedule_prefs")
    .values({ tenant_id: tx.tenantId!, user_id: userId, last_project_id: projectId, updated_at: tx.now })
    .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet({ last_project_id: projectId, updated_at: tx.now }))
    .execute();
}

const content = (v: z.output<typeof What>): Content => ({ kind: v.kind, project_id: v.kind === "project" ? v.project_id : null, hours: v.hours, start_time: v.start_time });

/** Assigns one day of one employee. Returns the week it falls in, for the redirect. */
export async function assignDay(ctx: Ctx, values: Record<string, string>): Promise<{ employeeId: string; day: string; week: string }> {
  authorize(ctx, "records.edit");
  const input = parse(AssignSchema, values);
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const employee = await activeEmployee(tx, input.employee_id);
    const c = content(input);
    await checkProject(tx, c.project_id);
    const before = await cellLabels(tx, employee.id, input.day);
    await setCell(tx, employee.id, input.day, c, input.mode);
    await rememberProject(tx, c.project_id);
    await audit(tx, "schedule.assigned", { type: "employee", id: employee.id }, { day: input.day, mode: input.mode, cell: { from: before, to: await cellLabels(tx, employee.id, input.day) } });
    return { employeeId: employee.id, day: input.day, week: formatWeek(weekOf(input.day, weekStart)) };
  });
}

/** Assigns the working days (Monday to Friday) of a week to one employee, replacing what they held. */
export async function assignWeek(ctx: Ctx, values: Record<string, string>): Promise<{ employeeId: string; days: string[] }> {
  authorize(ctx, "records.edit");
  const input = parse(WeekAssignSchema, values);
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const week = weekField(input.week, weekStart);
    const employee = await activeEmployee(tx, input.employee_id);
    const c = content(input);
    const project = await checkProject(tx, c.project_id);
    const days = workingDays(weekDays(week, weekStart));
    for (const day of days) await setCell(tx, employee.id, day, c, "replace");
    await rememberProject(tx, c.project_id);
    await audit(tx, "schedule.week_assigned", { type: "employee", id: employee.id }, { week: formatWeek(week), days, to: project ?? STATUS_LABELS[c.kind as Exclude<AssignmentKind, "project">] });
    return { employeeId: employee.id, days };
  });
}

/** A copy that would overwrite filled cells: who and which day, and nothing was copied. */
export class CopyConflicts extends Conflict {
  constructor(readonly cells: { name: string; day: string }[]) {
    super(`${cells.length} ${cells.length === 1 ? "cell is" : "cells are"} already filled this week with something else, so nothing was copied. Clear them first, or assign them one by one.`);
  }
}

const signature = (r: { kind: string; project_id: string | null; hours: string | null; start_time: string | null }) => `${r.kind}|${r.project_id ?? ""}|${r.hours === null ? "" : Number(r.hours)}|${r.start_time ?? ""}`;

/**
 * Copies the previous week into this one, day for day, for one active employee or all of them. A target cell
 * that is empty receives the copy; one that already holds exactly the same is left alone; one that holds
 * something else is a conflict, and any conflict means nothing is copied.
 */
export async function copyLastWeek(ctx: Ctx, values: Record<string, string>): Promise<{ copied: number; week: string }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const week = weekField(values.week, weekStart);
    const employeeId = values.employee_id?.trim() || null;
    if (employeeId && !isUuid(employeeId)) throw new NotFound("We couldn't find that employee.");
    const employee = employeeId ? await activeEmployee(tx, employeeId) : null;
    const days = weekDays(week, weekStart);
    const from = addDays(days[0]!, -7);
    const cols = ["a.employee_id", sql<string>`a.day::text`.as("day"), "a.kind", "a.project_id", "a.hours", sql<string | null>`to_char(a.start_time, 'HH24:MI')`.as("start_time"), "e.name"] as const;
    const rows = (start: string, end: string) => {
      let q = tx.db
        .selectFrom("crew_assignments as a")
        .innerJoin("crew_employees as e", (j) => j.onRef("e.tenant_id", "=", "a.tenant_id").onRef("e.id", "=", "a.employee_id"))
        .select(cols)
        .where("e.active", "=", true)
        .where("a.day", ">=", start)
        .where("a.day", "<=", end);
      if (employee) q = q.where("a.employee_id", "=", employee.id);
      return q.execute();
    };
    const source = await rows(from, addDays(from, 6));
    const target = await rows(days[0]!, days[6]!);
    const group = (list: typeof source, shift: number) => {
      const m = new Map<string, { name: string; rows: typeof source }>();
      for (const r of list) {
        const key = `${r.employee_id}|${addDays(r.day, shift)}`;
        const g = m.get(key) ?? { name: r.name, rows: [] };
        g.rows.push(r);
        m.set(key, g);
      }
      return m;
    };
    const src = group(source, 7);
    const dst = group(target, 0);
    const conflicts: { name: string; day: string }[] = [];
    const inserts: typeof source = [];
    const sig = (g: { rows: typeof source }) => g.rows.map(signature).sort().join(";");
    for (const [key, g] of src) {
      const existing = dst.get(key);
      if (!existing) inserts.push(...g.rows.map((r) => ({ ...r, day: addDays(r.day, 7) })));
      else if (sig(existing) !== sig(g)) conflicts.push({ name: g.name, day: key.split("|")[1]! });
    }
    if (conflicts.length) throw new CopyConflicts(conflicts.sort((a, b) => a.day.localeCompare(b.day) || a.name.localeCompare(b.name)));
    // Chunked: 9 parameters a row stays far below Postgres's 65,535 per statement.
    for (let i = 0; i < inserts.length; i += 2000) {
      await tx.db
        .insertInto("crew_assignments")
        .values(
          inserts.slice(i, i + 2000).map((r) => ({
            tenant_id: tx.tenantId!, id: Bun.randomUUIDv7(), employee_id: r.employee_id, day: r.day, kind: r.kind, project_id: r.project_id, hours: r.hours, start_time: r.start_time, created_by: tx.actor?.id ?? null, created_at: tx.now,
          })),
        )
        .execute();
    }
    const key = formatWeek(week);
    await audit(tx, "schedule.copied", employee ? { type: "employee", id: employee.id } : { type: "schedule", id: key }, { week: key, from_week: formatWeek(weekOf(from, weekStart)), copied: inserts.length });
    return { copied: inserts.length, week: key };
  });
}

export const CLEAR_SCOPES = ["cell", "employee", "day", "week"] as const;
export type ClearScope = (typeof CLEAR_SCOPES)[number];

/**
 * Clears a cell (one employee, one day), an employee's week, a day for everyone or the whole week. The last two
 * need `confirm=yes` (a checkbox on their form), since they can take hundreds of assignments at once.
 */
export async function clearSchedule(ctx: Ctx, values: Record<string, string>): Promise<{ deleted: number; week: string; scope: ClearScope }> {
  authorize(ctx, "records.edit");
  const scope = (CLEAR_SCOPES as readonly string[]).includes(values.scope ?? "") ? (values.scope as ClearScope) : null;
  if (!scope) throw new Invalid({ scope: "Choose what to clear." });
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const week = weekField(values.week, weekStart);
    const days = weekDays(week, weekStart);
    const key = formatWeek(week);
    const needsEmployee = scope === "cell" || scope === "employee";
    const needsDay = scope === "cell" || scope === "day";
    const day = values.day?.trim() ?? "";
    if (needsDay && !days.includes(day)) throw new Invalid({ day: `Choose a day of week ${key}.` });
    if ((scope === "day" || scope === "week") && values.confirm !== "yes") throw new Invalid({ confirm: `Tick the box to confirm clearing ${scope === "week" ? `all of week ${key}` : `everyone on ${day}`}.` });
    const employeeId = values.employee_id?.trim() ?? "";
    if (needsEmployee && !isUuid(employeeId)) throw new NotFound("We couldn't find that employee.");
    const employee = needsEmployee ? await tx.db.selectFrom("crew_employees").select(["id", "name"]).where("id", "=", employeeId).executeTakeFirst() : null;
    if (needsEmployee && !employee) throw new NotFound("We couldn't find that employee.");
    let q = tx.db.deleteFrom("crew_assignments");
    q = needsDay ? q.where("day", "=", day) : q.where("day", ">=", days[0]!).where("day", "<=", days[6]!);
    if (employee) q = q.where("employee_id", "=", employee.id);
    const deleted = Number((await q.executeTakeFirst()).numDeletedRows);
    await audit(tx, "schedule.cleared", employee ? { type: "employee", id: employee.id } : { type: "schedule", id: key }, { scope, week: key, ...(needsDay ? { day } : {}), deleted });
    return { deleted, week: key, scope };
  });
}

/** Removes one assignment (one project of a double-booked day, say). */
export async function removeAssignment(ctx: Ctx, id: string): Promise<{ employeeId: string; week: string }> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const { weekStart } = await scheduleSettings(tx);
    const row = await tx.db.selectFrom("crew_assignments").select(["id", "employee_id", sql<string>`day::text`.as("day")]).where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFound("That assignment is gone: someone may have changed the day.");
    const before = await cellLabels(tx, row.employee_id, row.day);
    await tx.db.deleteFrom("crew_assignments").where("id", "=", id).execute();
    await audit(tx, "schedule.assigned", { type: "employee", id: row.employee_id }, { day: row.day, mode: "remove", cell: { from: before, to: await cellLabels(tx, row.employee_id, row.day) } });
    return { employeeId: row.employee_id, week: formatWeek(weekOf(row.day, weekStart)) };
  });
}
