import { Hono } from "hono";
import { addHiringClass, deleteHiringClass, loadPlanPage } from "../../domain/capacity/plans-pages.ts";
import { deletePlan, planFormValues, updatePlan } from "../../domain/capacity/plans.ts";
import { copyAsScenario } from "../../domain/capacity/scenarios.ts";
import { Invalid } from "../../domain/errors.ts";
import { PlanPage, type FormState } from "../../views/capacity/plans.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { planDownload } from "./plan-exports.ts";
import { base, canEdit, shell, type C } from "./plans-common.ts";

const DONE = { saved: "Plan saved and recomputed.", hired: "Hiring class added.", unhired: "Hiring class deleted.", created: "Plan created.", scenario: "Scenario created: change it below, then compare." };

interface Forms {
  settings?: FormState;
  hiring?: FormState;
  scenario?: FormState;
}

async function planPage(c: C, id: string, forms: Forms = {}) {
  const data = await loadPlanPage(requestCtx(c), id);
  const settings = forms.settings ?? { values: planFormValues(data.plan) };
  const status = forms.settings?.errors || forms.hiring?.errors || forms.scenario?.errors ? 422 : 200;
  return page(c, <PlanPage shell={shell(c)} data={data} canEdit={canEdit(c)} settings={settings} hiring={forms.hiring} scenario={forms.scenario} flash={flashFrom(c, DONE)} />, status);
}

const planUrl = (c: C, id: string, done: keyof typeof DONE) => `${base(c)}/plans/${id}?done=${done}`;

/** Runs a change; on Invalid re-renders the plan page with that form's values and messages (422). */
async function attempt(c: C, form: keyof Forms, run: (values: Record<string, string>) => Promise<string>) {
  const values = await formValues(c);
  try {
    return c.redirect(await run(values), 303);
  } catch (err) {
    if (err instanceof Invalid) return planPage(c, c.req.param("id")!, { [form]: { values, errors: err.fieldErrors } });
    throw err;
  }
}

// Plans (issue 5, items 5, 7, 9). Exports share the record's path (Hono cannot route "/plans/:id.csv" as a
// parameter with a suffix), so the page route hands ".csv" and ".xlsx" to the download.
export const plansRoutes = new Hono<AppEnv>()
  .get("/plans/:id", (c) => {
    const id = c.req.param("id");
    const file = /^(.+)\.(csv|xlsx)$/.exec(id);
    return file ? planDownload(c, file[1]!, file[2] as "csv" | "xlsx") : planPage(c, id);
  })
  .post("/plans/:id", (c) =>
    attempt(c, "settings", async (v) => {
      await updatePlan(requestCtx(c), c.req.param("id"), v);
      return planUrl(c, c.req.param("id"), "saved");
    }),
  )
  .post("/plans/:id/deletion", async (c) => {
    const forecastId = await deletePlan(requestCtx(c), c.req.param("id"));
    return c.redirect(`${base(c)}/forecasts/${forecastId}?done=plan-deleted`, 303);
  })
  .post("/plans/:id/hiring-classes", (c) =>
    attempt(c, "hiring", async (v) => {
      await addHiringClass(requestCtx(c), c.req.param("id"), v);
      return planUrl(c, c.req.param("id"), "hired");
    }),
  )
  .post("/plans/:id/hiring-classes/:classId/deletion", async (c) => {
    await deleteHiringClass(requestCtx(c), c.req.param("id"), c.req.param("classId"));
    return c.redirect(planUrl(c, c.req.param("id"), "unhired"), 303);
  })
  .post("/plans/:id/scenarios", (c) => attempt(c, "scenario", async (v) => planUrl(c, await copyAsScenario(requestCtx(c), c.req.param("id"), v), "scenario")));
