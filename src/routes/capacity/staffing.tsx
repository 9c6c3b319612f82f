import { Hono } from "hono";
import { inTransaction } from "../../domain/context.ts";
import { findPlan, staffingInputs } from "../../domain/capacity/plans.ts";
import { addDays } from "../../domain/capacity/plans-math.ts";
import { getProgram } from "../../domain/capacity/programs.ts";
import { assertPlanDay, staffDay } from "../../domain/capacity/staffing.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { DayPage } from "../../views/capacity/staffing.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { base, shell } from "./plans-common.ts";

// The staffing of one day of a plan (issue 5, item 5), computed for that day's intervals only.
export const staffingRoutes = new Hono<AppEnv>()
  // The plan page's "show the day" form (GET, so it works without JavaScript) lands here.
  .get("/plans/:id/days", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "records.view");
    const plan = await inTransaction(ctx, (tx) => findPlan(tx, c.req.param("id")));
    return c.redirect(`${base(c)}/plans/${plan.id}/days/${encodeURIComponent((c.req.query("day") ?? "").slice(0, 10))}`, 303);
  })
  .get("/plans/:id/days/:day", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "records.view");
    const day = c.req.param("day");
    const view = await inTransaction(ctx, async (tx) => {
      const plan = await findPlan(tx, c.req.param("id"));
      assertPlanDay(day, plan.start_day, plan.horizon_weeks);
      const program = await getProgram(tx, plan.program_id);
      const rows = await staffDay(tx, plan.forecast_id, plan.interval_minutes, program, staffingInputs(plan), day);
      const last = addDays(plan.start_day, plan.horizon_weeks * 7 - 1);
      return { plan, program, rows, prev: day > plan.start_day ? addDays(day, -1) : null, next: day < last ? addDays(day, 1) : null };
    });
    return page(c, <DayPage shell={shell(c)} day={day} {...view} />);
  });
