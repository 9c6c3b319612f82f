import { Hono } from "hono";
import { CALCULATOR_DEFAULTS, CALCULATOR_FIELDS, calculatorTable, parseCalculator, type CalculatorValues } from "../../domain/capacity/calculator.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { CalculatorPage, CalculatorRegion, type CalculatorView } from "../../views/capacity/calculator.tsx";
import { requestCtx } from "../context.ts";
import { pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

/** The Erlang calculator: a GET form over the pure engine, so it needs no data and every answer has an address. */
export const calculatorRoutes = new Hono<AppEnv>().get("/calculator", (c) => {
  authorize(requestCtx(c), "records.view");
  const query = c.req.query();
  const submitted = CALCULATOR_FIELDS.some((k) => k in query);
  // The first visit shows a worked example; a submitted form is taken as typed (an emptied box is an error).
  const values: CalculatorValues = {};
  for (const k of CALCULATOR_FIELDS) {
    const v = submitted ? query[k] : CALCULATOR_DEFAULTS[k];
    if (v !== undefined) values[k] = v.slice(0, 40);
  }
  const view: CalculatorView = { slug: c.var.membership.slug, values, result: null };
  let status: 200 | 422 = 200;
  try {
    view.result = calculatorTable(parseCalculator(values));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    view.errors = err.fieldErrors;
    status = 422;
  }
  const user = { name: c.var.user!.name, workspace: c.var.membership };
  return pageOr(c, () => <CalculatorPage user={user} view={view} />, () => <CalculatorRegion view={view} />, status);
});
