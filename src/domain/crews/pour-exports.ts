import ExcelJS from "exceljs";
import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { isDay } from "./people-common.ts";
import { LOOKAHEAD_DAYS, workspaceClock } from "./pour-lists.ts";
import { POUR_STATUS_LABELS, UNIT_LABELS } from "./pours.ts";
import type { PourStatus, VolumeUnit } from "./tables.ts";
import { addDays } from "./week.ts";

// The pour schedule as an Excel workbook (issue 7, item 8; P13): one row per pour in a date range, with its crews.
// Audited (P10) in the transaction that reads the rows.

/** The longest range one file covers; the default is the lookahead (today and the next 365 days). */
export const MAX_EXPORT_DAYS = 400;
const ROW_CAP = 20_000;

export const HEADER = ["Date", "Start", "Project number", "Project", "Element or location", "Volume", "Unit", "Mix design", "Slump", "Pump type", "Pump company", "Supplier", "Status", "Reason", "Placing crew", "Finishing crew", "Notes"];

const Range = z.object({
  from: z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : null), z.string().refine(isDay, { error: "Enter the first day as YYYY-MM-DD." }).nullable()),
  to: z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : null), z.string().refine(isDay, { error: "Enter the last day as YYYY-MM-DD." }).nullable()),
});

interface Row {
  day: string;
  start_time: string;
  number: string | null;
  name: string;
  location: string;
  volume: string;
  volume_unit: VolumeUnit;
  mix_design: string | null;
  slump: string | null;
  pump_type: string | null;
  pump_company: string | null;
  supplier: string | null;
  status: PourStatus;
  status_reason: string | null;
  placing: string | null;
  finishing: string | null;
  notes: string | null;
}

export async function poursXlsx(ctx: Ctx, values: Record<string, string>): Promise<{ body: Uint8Array; from: string; to: string }> {
  authorize(ctx, "records.view");
  const parsed = Range.safeParse(values);
  if (!parsed.success) throw new Invalid({ [String(parsed.error.issues[0]!.path[0])]: parsed.error.issues[0]!.message });
  const { today } = await workspaceClock(ctx);
  const from = parsed.data.from ?? today;
  const to = parsed.data.to ?? addDays(from, LOOKAHEAD_DAYS);
  if (to < from) throw new Invalid({ to: "The last day must not be before the first." });
  if (to > addDays(from, MAX_EXPORT_DAYS)) throw new Invalid({ to: `One file covers at most ${MAX_EXPORT_DAYS} days.` });
  const rows = await inTransaction(ctx, async (tx) => {
    const crew = (role: string) =>
      sql<string | null>`(select string_agg(e.name, ', ' order by e.name_key) from crew_pour_crews c join crew_employees e on e.tenant_id = c.tenant_id and e.id = c.employee_id
        where c.tenant_id = p.tenant_id and c.pour_id = p.id and c.role = ${role})`;
    const r = await sql<Row>`
      select p.day::text as day, to_char(p.start_time, 'HH24:MI') as start_time, pr.number, pr.name, p.location, p.volume, p.volume_unit, p.mix_design, p.slump,
        p.pump_type, p.pump_company, p.supplier, p.status, p.status_reason, ${crew("placing")} as placing, ${crew("finishing")} as finishing, p.notes
      from crew_pours p join crew_projects pr on pr.tenant_id = p.tenant_id and pr.id = p.project_id
      where p.tenant_id = ${tx.tenantId} and p.day between ${from}::date and ${to}::date
      order by p.day, p.start_time, p.id limit ${ROW_CAP}`.execute(tx.db);
    await audit(tx, "pours.exported", { type: "pours", id: `${from}..${to}` }, { format: "xlsx", from, to, rows: r.rows.length });
    return r.rows;
  });
  const book = new ExcelJS.Workbook();
  book.created = ctx.now;
  const sheet = book.addWorksheet("Pours", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.addRow(HEADER).font = { bold: true };
  for (const r of rows) {
    sheet.addRow([
      r.day, r.start_time, r.number ?? "", r.name, r.location, Number(r.volume), UNIT_LABELS[r.volume_unit], r.mix_design ?? "", r.slump ?? "",
      r.pump_type ?? "", r.pump_company ?? "", r.supplier ?? "", POUR_STATUS_LABELS[r.status], r.status_reason ?? "", r.placing ?? "", r.finishing ?? "", r.notes ?? "",
    ]);
  }
  sheet.columns.forEach((c, i) => (c.width = Math.max(10, HEADER[i]!.length + 2, i === 3 || i === 4 || i >= 14 ? 28 : 0)));
  return { body: new Uint8Array(await book.xlsx.writeBuffer()), from, to };
}
