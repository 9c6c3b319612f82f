import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { adjustmentsOf, forecastDays, type AdjustmentRow, type ForecastDay, type ForecastWeek } from "./forecasts-adjustments.ts";
import { findForecast, type ForecastRow } from "./forecasts.ts";
import { plansOfForecast, type PlanSummary } from "./plans.ts";
import { getProgram, type Program } from "./programs.ts";

// What the forecast page reads, in one transaction: the stored forecast summed per day in SQL (one indexed range
// of the forecast's rows), its adjustments and its plans.

export interface ForecastPageData {
  forecast: ForecastRow;
  program: Program;
  days: ForecastDay[];
  weeks: ForecastWeek[];
  adjustments: AdjustmentRow[];
  plans: PlanSummary[];
}

export async function loadForecastPage(ctx: Ctx, id: string): Promise<ForecastPageData> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const forecast = await findForecast(tx, id);
    const [program, totals, adjustments, plans] = await Promise.all([getProgram(tx, forecast.program_id), forecastDays(tx, forecast.id), adjustmentsOf(tx, forecast.id), plansOfForecast(tx, forecast.id)]);
    return { forecast, program, ...totals, adjustments, plans };
  });
}
