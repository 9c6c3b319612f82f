import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { scheduleSettings, weekCells, weekInfo, type Cell, type WeekOf } from "./schedule.ts";
import { parseWeek, weekOf, type Week } from "./week.ts";

// One person's week of the schedule: what the cell form page shows.

export interface EmployeeWeek {
  employee: { id: string; name: string; trade: string; active: boolean };
  week: WeekOf;
  cells: Cell[][];
}

/**
 * The week to show for a person: ?week if valid, else the week of ?d (a day from the grid), else null (the caller
 * picks the remembered or current week).
 */
export function weekFromQuery(week: string | undefined, day: string | undefined, weekStart: number): Week | null {
  if (week) return parseWeek(week, weekStart);
  // 2025-13-01 matches the pattern but is no date (toISOString would throw): check it parses first.
  if (day && /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day)) return weekOf(day, weekStart);
  return null;
}

export async function employeeWeek(ctx: Ctx, employeeId: string, week: Week): Promise<EmployeeWeek> {
  authorize(ctx, "records.view");
  if (!isUuid(employeeId)) throw new NotFound("We couldn't find that employee.");
  return inTransaction(ctx, async (tx) => {
    const employee = await tx.db.selectFrom("crew_employees").select(["id", "name", "trade", "active"]).where("id", "=", employeeId).executeTakeFirst();
    if (!employee) throw new NotFound("We couldn't find that employee.");
    const { weekStart } = await scheduleSettings(tx);
    const info = weekInfo(week, weekStart);
    const cells = await weekCells(tx, [employee.id], info.days);
    return { employee, week: info, cells: info.days.map((d) => cells.get(`${employee.id}|${d}`) ?? []) };
  });
}
