import { Hono } from "hono";
import { assignmentsXlsx, projectsXlsx, scheduleXlsx, XLSX_TYPE } from "../../domain/crews/schedule-exports.ts";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import type { AppEnv } from "../types.ts";

// The schedule's Excel files (issue 7, item 8; P13). Audited in the domain before the file is built. A bad week
// or range is a 422 with the message (Invalid through app.onError), never a 500.

const file = (body: Uint8Array, filename: string) => download(body as Uint8Array<ArrayBuffer>, { type: XLSX_TYPE, filename, size: body.byteLength });

export const scheduleExportRoutes = new Hono<AppEnv>()
  .get("/schedule.xlsx", async (c) => {
    const r = await scheduleXlsx(requestCtx(c), c.req.query("week"));
    return file(r.body, `schedule-${r.week}.xlsx`);
  })
  .get("/schedule/projects.xlsx", async (c) => {
    const r = await projectsXlsx(requestCtx(c), c.req.query("week"));
    return file(r.body, `schedule-by-project-${r.week}.xlsx`);
  })
  .get("/assignments.xlsx", async (c) => {
    const r = await assignmentsXlsx(requestCtx(c), c.req.query("from"), c.req.query("to"));
    return file(r.body, `assignments-${r.from}-to-${r.to}.xlsx`);
  });
