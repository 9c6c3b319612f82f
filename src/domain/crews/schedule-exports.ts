import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { weekField } from "./assignments.ts";
import { activePeople, groupByForeman, scheduleSettings, STATUS_LABELS, weekCells, weekInfo, type Cell } from "./schedule.ts";
import { projectWeek } from "./schedule-projects.ts";
import { addDays } from "./week.ts";

// Excel exports of the schedule (issue 7, item 8; P13): the week's grid by foreman, the week by project, and a
// flat list of assignments over a date range (at most a year). Each download is audited (P10) before the file
// is built. Cells are values, never formulas: a name starting with "=" stays text.

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const XLSX_TYPE = XLSX;
export const MAX_RANGE_DAYS = 366;

const argb = (hex: string) => `FF${hex.slice(1).toUpperCase()}`;
/** Black or white text, whichever reads better on the project's colour. */
const textOn = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.299 * r! + 0.587 * g! + 0.114 * b! > 150 ? "FF000000" : "FFFFFFFF";
};

const cellText = (cells: Cell[]) =>
  cells.map((c) => (c.kind === "project" ? [c.projectName, c.hours ? `${c.hours}h` : null, c.startTime].filter(Boolean).join(" ") : STATUS_LABELS[c.kind])).join(" + ");

async function book(ctx: Ctx, build: (b: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const b = new ExcelJS.Workbook();
  b.created = ctx.now;
  build(b);
  return new Uint8Array(await b.xlsx.writeBuffer());
}

/** The week's grid: a heading row per crew (foreman first), one row per person, one column per day. */
export async function scheduleXlsx(ctx: Ctx, weekValue: string | undefined): Promise<{ week: string; body: Uint8Array }> {
  authorize(ctx, "records.view");
  const data = await inTransaction(ctx, async (tx) => {
    const s = await scheduleSettings(tx);
    const info = weekInfo(weekField(weekValue, s.weekStart), s.weekStart);
    const crews = groupByForeman(await activePeople(tx));
    const cells = await weekCells(tx, null, info.days);
    await audit(tx, "schedule.exported", { type: "schedule", id: info.key }, { format: "xlsx", view: "grid", week: info.key });
    return { info, crews, cells };
  });
  const { info, crews, cells } = data;
  const body = await book(ctx, (b) => {
    const sheet = b.addWorksheet(`Schedule ${info.key}`, { views: [{ state: "frozen", xSplit: 2, ySplit: 1 }] });
    sheet.columns = [{ width: 28 }, { width: 14 }, ...info.days.map(() => ({ width: 22 }))];
    sheet.addRow(["Employee", "Trade", ...info.labels]).font = { bold: true };
    for (const crew of crews) {
      const head = sheet.addRow([crew.foremanId ? `Crew of ${crew.title}` : crew.title]);
      head.font = { bold: true, italic: true };
      for (const p of crew.people) {
        const row = sheet.addRow([p.name, p.trade, ...info.days.map((d) => cellText(cells.get(`${p.id}|${d}`) ?? []))]);
        if (p.id === crew.foremanId) row.getCell(1).font = { bold: true };
        info.days.forEach((d, i) => {
          const list = cells.get(`${p.id}|${d}`);
          if (!list) return;
          const cell = row.getCell(i + 3);
          const projects = list.filter((c) => c.kind === "project");
          if (projects.length > 1) {
            cell.value = `DOUBLE-BOOKED: ${cellText(list)}`;
            cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFF8D7DA" } };
            cell.font = { bold: true, color: { argb: "FF9B1C1C" } };
          } else if (projects.length === 1 && projects[0]!.color) {
            cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: argb(projects[0]!.color) } };
            cell.font = { color: { argb: textOn(projects[0]!.color) } };
          }
        });
      }
    }
  });
  return { week: info.key, body };
}

/** The week by project: who is on each project each day, with the day's headcount. */
export async function projectsXlsx(ctx: Ctx, weekValue: string | undefined): Promise<{ week: string; body: Uint8Array }> {
  authorize(ctx, "records.view");
  const data = await inTransaction(ctx, async (tx) => {
    const s = await scheduleSettings(tx);
    const info = weekInfo(weekField(weekValue, s.weekStart), s.weekStart);
    const projects = await projectWeek(tx, info.days);
    await audit(tx, "schedule.exported", { type: "schedule", id: info.key }, { format: "xlsx", view: "projects", week: info.key });
    return { info, projects };
  });
  const { info, projects } = data;
  const body = await book(ctx, (b) => {
    const sheet = b.addWorksheet(`By project ${info.key}`, { views: [{ state: "frozen", xSplit: 2, ySplit: 1 }] });
    sheet.columns = [{ width: 30 }, { width: 12 }, ...info.days.map(() => ({ width: 26 })), { width: 12 }];
    sheet.addRow(["Project", "Number", ...info.labels, "Person-days"]).font = { bold: true };
    for (const p of projects) {
      const row = sheet.addRow([p.name, p.number ?? "", ...p.days.map((names) => (names.length ? `${names.length}: ${names.join(", ")}` : "")), p.days.reduce((n, d) => n + d.length, 0)]);
      row.alignment = { wrapText: true, vertical: "top" };
      row.getCell(1).fill = { type: "pattern", pattern: "solid", fgColor: { argb: argb(p.color) } };
      row.getCell(1).font = { bold: true, color: { argb: textOn(p.color) } };
    }
  });
  return { week: info.key, body };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: string) => DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

export function parseRange(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const errors: Record<string, string> = {};
  const f = from?.trim() ?? "";
  const t = to?.trim() ?? "";
  if (!validDate(f)) errors.from = "Choose the first day (YYYY-MM-DD).";
  if (!validDate(t)) errors.to = "Choose the last day (YYYY-MM-DD).";
  else if (!errors.from && t < f) errors.to = "The last day comes after the first.";
  else if (!errors.from && t > addDays(f, MAX_RANGE_DAYS - 1)) errors.to = `At most ${MAX_RANGE_DAYS} days (a year) at a time.`;
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { from: f, to: t };
}

export const LIST_HEADER = ["Date", "Employee", "Trade", "Foreman", "Kind", "Project", "Project number", "Hours", "Start time"];

/** Every assignment between two days (inclusive, at most a year), one row each, streamed into the workbook. */
export async function assignmentsXlsx(ctx: Ctx, fromValue: string | undefined, toValue: string | undefined): Promise<{ from: string; to: string; body: Uint8Array }> {
  authorize(ctx, "records.view");
  const { from, to } = parseRange(fromValue, toValue);
  const rows = await inTransaction(ctx, async (tx) => {
    const list = await tx.db
      .selectFrom("crew_assignments as a")
      .innerJoin("crew_employees as e", (j) => j.onRef("e.tenant_id", "=", "a.tenant_id").onRef("e.id", "=", "a.employee_id"))
      .leftJoin("crew_employees as f", (j) => j.onRef("f.tenant_id", "=", "e.tenant_id").onRef("f.id", "=", "e.foreman_id"))
      .leftJoin("crew_projects as p", (j) => j.onRef("p.tenant_id", "=", "a.tenant_id").onRef("p.id", "=", "a.project_id"))
      .select([sql<string>`a.day::text`.as("day"), "e.name", "e.trade", "f.name as foreman", "a.kind", "p.name as project", "p.number", "a.hours", sql<string | null>`to_char(a.start_time, 'HH24:MI')`.as("start_time")])
      .where("a.day", ">=", from)
      .where("a.day", "<=", to)
      .orderBy("a.day")
      .orderBy("e.name_key")
      .orderBy("p.name_key")
      .execute();
    await audit(tx, "schedule.exported", null, { format: "xlsx", view: "assignments", from, to, rows: list.length });
    return list;
  });
  // The streaming writer keeps a year of a large workspace (100k+ rows) fast and flat in memory.
  const out = new PassThrough();
  const chunks: Uint8Array[] = [];
  out.on("data", (c: Uint8Array) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on("end", resolve);
    out.on("error", reject);
  });
  const b = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  b.created = ctx.now;
  const sheet = b.addWorksheet(`Assignments ${from} to ${to}`.slice(0, 31), { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = LIST_HEADER.map((h, i) => ({ header: h, width: i === 1 || i === 5 ? 28 : 14 }));
  sheet.getRow(1).font = { bold: true };
  for (const r of rows) {
    sheet.addRow([r.day, r.name, r.trade, r.foreman ?? "", r.kind === "project" ? "Project" : STATUS_LABELS[r.kind], r.project ?? "", r.number ?? "", r.hours === null ? null : Number(r.hours), r.start_time ?? ""]).commit();
  }
  sheet.commit();
  await b.commit();
  await done;
  return { from, to, body: new Uint8Array(Buffer.concat(chunks)) };
}
