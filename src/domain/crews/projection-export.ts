import ExcelJS from "exceljs";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { isShort, type WeekFigures } from "./projection-math.ts";
import { loadProjection, type ProjectionQuery } from "./projections.ts";

// The projection sheet (issue 7, item 8, P13): per trade, four rows (required, scheduled, available, gap) with the
// weeks as columns, then the same for all trades; shortfall cells (gap below zero) filled red. Figures and trade
// names only. Audited (P10) before the file is returned.

/** Excel's own "light red fill" for bad values, so the sheet reads like one a planner would colour by hand. */
export const SHORTFALL_FILL = "FFFFC7CE";
const SHORTFALL_FONT = "FF9C0006";

const FIGURES: [keyof WeekFigures, string][] = [
  ["required", "Required"],
  ["scheduled", "Scheduled"],
  ["available", "Available"],
  ["gap", "Gap (available − required)"],
];

export async function projectionXlsx(ctx: Ctx, q: ProjectionQuery): Promise<{ body: Uint8Array; filename: string }> {
  const { result } = await inTransaction(ctx, async (tx) => {
    const result = await loadProjection(tx, q);
    const p = result.params;
    await audit(tx, "projection.exported", null, { format: "xlsx", from: p.from, weeks: p.weeks, trade: p.trade || null, bids: p.bids });
    return { result };
  });
  const { projection, labels, params } = result;
  const book = new ExcelJS.Workbook();
  book.created = ctx.now;
  const sheet = book.addWorksheet("Projection", { views: [{ state: "frozen", xSplit: 2, ySplit: 2 }] });
  sheet.addRow(["Trade", "Figure", ...labels]).font = { bold: true };
  sheet.addRow(["", "Week starts", ...projection.weeks]).font = { italic: true };
  const block = (name: string, weeks: WeekFigures[]) => {
    for (const [key, label] of FIGURES) {
      const row = sheet.addRow([name, label, ...weeks.map((w) => w[key])]);
      if (key !== "gap") continue;
      row.font = { bold: true };
      weeks.forEach((w, i) => {
        if (!isShort(w)) return;
        const cell = row.getCell(i + 3);
        cell.fill = { type: "pattern", pattern: "solid", fgColor: { argb: SHORTFALL_FILL } };
        cell.font = { bold: true, color: { argb: SHORTFALL_FONT } };
      });
    }
  };
  for (const t of projection.trades) block(t.name, t.weeks);
  if (!params.trade) block("All trades", projection.totals);
  sheet.addRow([]);
  sheet.addRow(["Gap = available − required; below zero (filled red) is a shortfall. Required is the peak day of the week; available is active employees less those on PTO all week (Monday to Friday)."]);
  sheet.getColumn(1).width = 18;
  sheet.getColumn(2).width = 26;
  for (let i = 3; i <= labels.length + 2; i++) sheet.getColumn(i).width = 11;
  const name = params.trade ? params.trade.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 30) : "";
  return { body: new Uint8Array(await book.xlsx.writeBuffer()), filename: `projection-${params.from}${name ? `-${name}` : ""}-${params.weeks}w.xlsx` };
}
