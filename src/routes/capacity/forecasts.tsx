import { Hono } from "hono";
import { addAdjustment, deleteAdjustment } from "../../domain/capacity/forecasts-adjustments.ts";
import { loadForecastPage } from "../../domain/capacity/forecasts-page.ts";
import { createForecast, deleteForecast, forecastDefaults, listForecasts } from "../../domain/capacity/forecasts.ts";
import { createPlan } from "../../domain/capacity/plans.ts";
import { Invalid } from "../../domain/errors.ts";
import { ForecastPage, ForecastsPage } from "../../views/capacity/forecasts.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { base, canEdit, shell, type C } from "./plans-common.ts";

const DONE = { deleted: "Forecast deleted.", adjusted: "Adjustment added; the forecast and its plans are updated.", unadjusted: "Adjustment deleted; the forecast and its plans are updated.", "plan-deleted": "Plan deleted." };

async function listPage(c: C, form?: { values: Record<string, string>; errors: Record<string, string> }) {
  const ctx = requestCtx(c);
  const { program, rows } = await listForecasts(ctx, c.req.param("id")!);
  const values = form?.values ?? (await forecastDefaults(ctx, program.id));
  return page(c, <ForecastsPage shell={shell(c)} program={program} rows={rows} values={values} errors={form?.errors} canEdit={canEdit(c)} flash={flashFrom(c, DONE)} />, form ? 422 : 200);
}

type Forms = Pick<Parameters<typeof ForecastPage>[0], "adjustment" | "plan">;

async function forecastPage(c: C, forms: Forms = {}) {
  const data = await loadForecastPage(requestCtx(c), c.req.param("id")!);
  const status = forms.adjustment?.errors || forms.plan?.errors ? 422 : 200;
  return page(c, <ForecastPage shell={shell(c)} data={data} canEdit={canEdit(c)} {...forms} flash={flashFrom(c, DONE)} />, status);
}

/** Runs a change; on Invalid re-renders with the form's values and messages (422), nothing saved. */
async function attempt(c: C, run: (values: Record<string, string>) => Promise<string>, rerender: (values: Record<string, string>, errors: Record<string, string>) => Promise<Response>) {
  const values = await formValues(c);
  try {
    return c.redirect(await run(values), 303);
  } catch (err) {
    if (err instanceof Invalid) return rerender(values, err.fieldErrors);
    throw err;
  }
}

// Forecasts of a program (issue 5, item 4): list and create, the stored forecast with its backtest and
// adjustments, and the plans made on it.
export const forecastsRoutes = new Hono<AppEnv>()
  .get("/programs/:id/forecasts", (c) => listPage(c))
  .post("/programs/:id/forecasts", (c) =>
    attempt(c, async (v) => `${base(c)}/forecasts/${await createForecast(requestCtx(c), c.req.param("id"), v)}`, (values, errors) => listPage(c, { values, errors })),
  )
  .get("/forecasts/:id", (c) => forecastPage(c))
  .post("/forecasts/:id/deletion", async (c) => {
    const programId = await deleteForecast(requestCtx(c), c.req.param("id"));
    return c.redirect(`${base(c)}/programs/${programId}/forecasts?done=deleted`, 303);
  })
  .post("/forecasts/:id/adjustments", (c) =>
    attempt(
      c,
      async (v) => {
        await addAdjustment(requestCtx(c), c.req.param("id"), v);
        return `${base(c)}/forecasts/${c.req.param("id")}?done=adjusted`;
      },
      (values, errors) => forecastPage(c, { adjustment: { values, errors } }),
    ),
  )
  .post("/forecasts/:id/adjustments/:adjustmentId/deletion", async (c) => {
    await deleteAdjustment(requestCtx(c), c.req.param("id"), c.req.param("adjustmentId"));
    return c.redirect(`${base(c)}/forecasts/${c.req.param("id")}?done=unadjusted`, 303);
  })
  .post("/forecasts/:id/plans", (c) =>
    attempt(c, async (v) => `${base(c)}/plans/${await createPlan(requestCtx(c), c.req.param("id"), v)}`, (values, errors) => forecastPage(c, { plan: { values, errors } })),
  );
