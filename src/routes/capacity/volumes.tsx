import { Hono } from "hono";
import { getProgram } from "../../domain/capacity/programs.ts";
import { volumesView, type VolumesView } from "../../domain/capacity/volumes.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { VolumesPage } from "../../views/capacity/volumes.tsx";
import { requestCtx } from "../context.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// A program's history as a heatmap and a daily chart (?from=YYYY-MM-DD&to=…; default the last 4 weeks of history).
export const volumesRoutes = new Hono<AppEnv>().get("/programs/:id/volumes", async (c) => {
  const ctx = requestCtx(c);
  const program = await getProgram(ctx, c.req.param("id"));
  let view: VolumesView | null = null;
  let errors: FieldErrors | undefined;
  try {
    view = await volumesView(ctx, program.id, { from: c.req.query("from"), to: c.req.query("to") });
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    errors = err.fieldErrors;
  }
  const user = { name: c.var.user!.name, workspace: c.var.membership };
  return page(c, <VolumesPage user={user} program={program} view={view} errors={errors} />, errors ? 422 : 200);
});
