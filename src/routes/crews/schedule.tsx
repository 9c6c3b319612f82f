import { Hono } from "hono";
import { assignDay, assignWeek, clearSchedule, copyLastWeek, CopyConflicts, removeAssignment } from "../../domain/crews/assignments.ts";
import { sendScheduleNow } from "../../domain/crews/distribution.ts";
import { loadProjectWeek } from "../../domain/crews/schedule-projects.ts";
import { resolveWeek } from "../../domain/crews/schedule.ts";
import { Invalid } from "../../domain/errors.ts";
import { WORKWEEK } from "../../views/crews/schedule-cell.tsx";
import { ProjectWeekView } from "../../views/crews/schedule-projects.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { cellPage, gridPage, gridUrl, signedIn } from "./schedule-common.tsx";
import { scheduleExportRoutes } from "./schedule-exports.ts";

// The weekly schedule (issue 7, items 2 and 7): the grid, a person's week, the by-project view, and the forms
// that change them. Every POST answers 303 back to the grid, or the page again with 422 / 409 and its message.

const DONE = {
  assigned: "Assigned.",
  week: "Assigned Monday to Friday.",
  copied: "Copied last week: {n} assignments.",
  cleared: "Cleared {n} assignments.",
  removed: "Removed.",
  sending: "The schedule emails are on their way. This page shows who has no email address once they are sent.",
};

const firstError = (err: Invalid) => Object.values(err.fieldErrors)[0] ?? err.message;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const scheduleRoutes = new Hono<AppEnv>()
  .route("/", scheduleExportRoutes)
  .get("/schedule", (c) => gridPage(c, { week: c.req.query("week"), flash: flashFrom(c, DONE) }))
  .get("/schedule/cell", (c) => cellPage(c, { employeeId: c.req.query("e") ?? "", week: c.req.query("week"), day: c.req.query("d") }))
  .get("/schedule/projects", async (c) => {
    const ctx = requestCtx(c);
    const asked = c.req.query("week");
    const { week, invalid } = await resolveWeek(ctx, asked);
    const v = await loadProjectWeek(ctx, week, Number(/^\d{1,4}$/.test(c.req.query("page") ?? "") ? c.req.query("page") : 1));
    return page(c, <ProjectWeekView user={signedIn(c)} slug={c.var.membership.slug} v={v} />, invalid ? 422 : 200);
  })
  // The crews navigation names this view "by-project".
  .get("/by-project", (c) => c.redirect(`/t/${c.var.membership.slug}/crews/schedule/projects${c.req.query("week") ? `?week=${encodeURIComponent(c.req.query("week")!)}` : ""}`, 302))
  .post("/schedule/assignments", async (c) => {
    const values = await formValues(c);
    const whole = values.day === WORKWEEK;
    try {
      if (whole) {
        const r = await assignWeek(requestCtx(c), values);
        return c.redirect(gridUrl(c, values.week!, values, { employeeId: r.employeeId, day: r.days[0], done: "week" }), 303);
      }
      const r = await assignDay(requestCtx(c), values);
      return c.redirect(gridUrl(c, r.week, values, { employeeId: r.employeeId, day: r.day, done: "assigned" }), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      // The person's week again with the messages (404 for someone unknown); without a person, the grid.
      if (UUID.test(values.employee_id ?? "")) return cellPage(c, { employeeId: values.employee_id!, week: values.week || undefined, day: values.day, values, errors: err.fieldErrors, status: 422 });
      return gridPage(c, { week: values.week, values, errors: err.fieldErrors, flash: { kind: "bad", message: firstError(err) }, status: 422 });
    }
  })
  .post("/schedule/assignments/:id/deletion", async (c) => {
    const values = await formValues(c);
    const r = await removeAssignment(requestCtx(c), c.req.param("id"));
    return c.redirect(gridUrl(c, r.week, values, { employeeId: r.employeeId, done: "removed" }), 303);
  })
  .post("/schedule/copy", async (c) => {
    const values = await formValues(c);
    try {
      const r = await copyLastWeek(requestCtx(c), values);
      return c.redirect(gridUrl(c, r.week, values, { employeeId: values.employee_id, done: "copied", n: r.copied }), 303);
    } catch (err) {
      if (err instanceof CopyConflicts) {
        if (values.employee_id) return cellPage(c, { employeeId: values.employee_id, week: values.week, values: { kind: "project" }, conflicts: err.cells, status: 409 });
        return gridPage(c, { week: values.week, values, conflicts: err.cells, status: 409 });
      }
      if (err instanceof Invalid) return gridPage(c, { week: values.week, values, errors: err.fieldErrors, flash: { kind: "bad", message: firstError(err) }, status: 422 });
      throw err;
    }
  })
  .post("/schedule/clearing", async (c) => {
    const values = await formValues(c);
    try {
      const r = await clearSchedule(requestCtx(c), values);
      return c.redirect(gridUrl(c, r.week, values, { employeeId: values.employee_id, day: values.day, done: "cleared", n: r.deleted }), 303);
    } catch (err) {
      if (err instanceof Invalid) return gridPage(c, { week: values.week, values, errors: err.fieldErrors, flash: { kind: "bad", message: firstError(err) }, status: 422 });
      throw err;
    }
  })
  .post("/schedule/distribution", async (c) => {
    const values = await formValues(c);
    try {
      const r = await sendScheduleNow(requestCtx(c), values.week);
      return c.redirect(gridUrl(c, r.week, values, { done: "sending" }), 303);
    } catch (err) {
      if (err instanceof Invalid) return gridPage(c, { values, errors: err.fieldErrors, flash: { kind: "bad", message: firstError(err) }, status: 422 });
      throw err;
    }
  });
