import { Hono } from "hono";
import { metricsDay, metricsView, rawQuery, type MetricsView } from "../../domain/capacity/metrics.ts";
import { getProgram } from "../../domain/capacity/programs.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { MetricsDayPage, MetricsPage } from "../../views/capacity/metrics.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Achieved service level, ASA and occupancy from the imported staffed agents (issue 5, item 6):
// ?from=YYYY-MM-DD&to=…&view=day|week (default the last 4 weeks with staffing data), and one day's intervals.
export const metricsRoutes = new Hono<AppEnv>()
  .get("/programs/:id/metrics", async (c) => {
    const ctx = requestCtx(c);
    const program = await getProgram(ctx, c.req.param("id"));
    const query = { from: c.req.query("from"), to: c.req.query("to"), view: c.req.query("view") };
    let view: MetricsView | null = null;
    let errors: FieldErrors | undefined;
    try {
      view = await metricsView(ctx, program, query);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      errors = err.fieldErrors;
    }
    const user = { name: c.var.user!.name, workspace: c.var.membership };
    return page(c, <MetricsPage user={user} program={program} view={view} values={rawQuery(query)} errors={errors} />, errors ? 422 : 200);
  })
  .get("/programs/:id/metrics/days/:day", async (c) => {
    const data = await metricsDay(requestCtx(c), c.req.param("id"), c.req.param("day"));
    return page(c, <MetricsDayPage user={{ name: c.var.user!.name, workspace: c.var.membership }} data={data} />);
  });
