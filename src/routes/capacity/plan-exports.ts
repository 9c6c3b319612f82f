import { download } from "../downloads.ts";
import { planCsv, planXlsx } from "../../domain/capacity/plan-exports.ts";
import { requestCtx } from "../context.ts";
import type { C } from "./plans-common.ts";

// A file name from the plan's name: letters, digits and hyphens only, so the header needs no quoting rules.
const fileName = (name: string, ext: string) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "plan"}.${ext}`;


/** GET …/plans/:id.csv and …/plans/:id.xlsx (audited in the domain). */
export async function planDownload(c: C, id: string, ext: "csv" | "xlsx"): Promise<Response> {
  if (ext === "csv") {
    const { plan, body } = await planCsv(requestCtx(c), id);
    return download(body, { type: "text/csv; charset=utf-8", filename: fileName(plan.name, "csv") });
  }
  const { plan, body } = await planXlsx(requestCtx(c), id);
  return download(body as Uint8Array<ArrayBuffer>, { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename: fileName(plan.name, "xlsx") });
}
