import ExcelJS from "exceljs";
import { stringify } from "csv-stringify/sync";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { findPlan, planWeeksOf, type PlanRow } from "./plans.ts";
import type { DayStaffing, PlanWeek } from "./plans-math.ts";
import { getProgram } from "./programs.ts";
import { planDays } from "./staffing.ts";

// Plan exports (issue 5, item 9): the weeks of a plan as CSV, and as an Excel workbook with a second sheet of the
// staffing by day. Figures only (no free text but the plan's name in the file name, which the route sanitises).
// Every download is audited (P10) before the file is returned.

const r2 = (n: number) => Math.round(n * 100) / 100;

export const WEEK_HEADER = ["Week (Monday)", "Contacts", "Agent hours", "Required FTE", "Available FTE", "Gap FTE (available − required)", "Cost of the gap"];
const weekRow = (w: PlanWeek) => [w.week, r2(w.contacts), r2(w.agentHours), r2(w.required), r2(w.available), r2(w.gap), r2(w.gapCost)];
export const DAY_HEADER = ["Day", "Contacts", "Agent hours", "Peak agents"];
const dayRow = (d: DayStaffing) => [d.day, r2(d.contacts), r2(d.agentHours), d.peakAgents];

async function exportData(ctx: Ctx, planId: string, format: "csv" | "xlsx"): Promise<{ plan: PlanRow; weeks: PlanWeek[]; days: DayStaffing[] }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const plan = await findPlan(tx, planId);
    const program = await getProgram(tx, plan.program_id);
    const [weeks, days] = await Promise.all([planWeeksOf(tx, plan, program), format === "xlsx" ? planDays(tx, plan.id) : Promise.resolve([])]);
    await audit(tx, "plan.exported", { type: "plan", id: plan.id }, { format, weeks: weeks.length });
    return { plan, weeks, days };
  });
}

/** The plan's weeks as CSV (UTF-8 with a BOM so that Excel reads it as UTF-8). */
export async function planCsv(ctx: Ctx, planId: string): Promise<{ plan: PlanRow; body: string }> {
  const { plan, weeks } = await exportData(ctx, planId, "csv");
  return { plan, body: `\uFEFF${stringify([WEEK_HEADER, ...weeks.map(weekRow)], { record_delimiter: "windows" })}` };
}

/** The plan as an .xlsx workbook: "Weeks" (required, available, gap) and "Days" (staffing by day). */
export async function planXlsx(ctx: Ctx, planId: string): Promise<{ plan: PlanRow; body: Uint8Array }> {
  const { plan, weeks, days } = await exportData(ctx, planId, "xlsx");
  const book = new ExcelJS.Workbook();
  book.created = ctx.now;
  const sheet = (name: string, header: string[], rows: (string | number)[][]) => {
    const s = book.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
    s.addRow(header).font = { bold: true };
    for (const r of rows) s.addRow(r);
    s.columns.forEach((c, i) => (c.width = i === 0 ? 14 : Math.max(12, header[i]!.length + 2)));
  };
  sheet("Weeks", WEEK_HEADER, weeks.map(weekRow));
  sheet("Days", DAY_HEADER, days.map(dayRow));
  return { plan, body: new Uint8Array(await book.xlsx.writeBuffer()) };
}
