import { Hono, type Context } from "hono";
import { inTransaction } from "../../domain/context.ts";
import { loadAnalytics } from "../../domain/crews/analytics.ts";
import { projectionXlsx } from "../../domain/crews/projection-export.ts";
import { loadProjection, type ProjectionResult } from "../../domain/crews/projections.ts";
import { requirementProjects } from "../../domain/crews/requirements.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { AnalyticsPage } from "../../views/crews/analytics.tsx";
import { ProjectionsPage } from "../../views/crews/projections.tsx";
import { requirementsUrl } from "../../views/crews/requirements.tsx";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Manpower projections, their Excel sheet, and analytics (issue 7, items 3, 4 and 8). Filters are GET forms: a bad
// value re-renders the page with the field's message and 422.

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
/** The query parameters a page reads, trimmed and bounded (anything else is ignored). */
const query = (c: C, keys: string[]) => Object.fromEntries(keys.flatMap((k) => (c.req.query(k) ? [[k, c.req.query(k)!.slice(0, 100)]] : [])));
const PROJECTION_KEYS = ["from", "weeks", "trade", "bids"];

export const projectionsRoutes = new Hono<AppEnv>()
  .get("/projections", async (c) => {
    const values = query(c, PROJECTION_KEYS);
    // One transaction for the page's reads: each one more costs three round trips (begin, tenant, commit).
    const { result, errors, projects } = await inTransaction(requestCtx(c), async (ctx) => {
      let result: ProjectionResult | null = null;
      let errors: FieldErrors | undefined;
      try {
        result = await loadProjection(ctx, values);
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        errors = err.fieldErrors;
      }
      return { result, errors, projects: await requirementProjects(ctx) };
    });
    return page(c, <ProjectionsPage user={signedIn(c)} slug={c.var.membership.slug} values={values} errors={errors} result={result} projects={projects} />, errors ? 422 : 200);
  })
  .get("/projections.xlsx", async (c) => {
    const ctx = requestCtx(c);
    const values = query(c, PROJECTION_KEYS);
    try {
      const { body, filename } = await projectionXlsx(ctx, values);
      return download(body as Uint8Array<ArrayBuffer>, { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const projects = await requirementProjects(ctx);
      return page(c, <ProjectionsPage user={signedIn(c)} slug={c.var.membership.slug} values={values} errors={err.fieldErrors} result={null} projects={projects} />, 422);
    }
  })
  // The projections page's "open requirements" form names a project; its page lives under the project.
  .get("/requirements", (c) => {
    const id = c.req.query("project") ?? "";
    if (!/^[0-9a-f-]{36}$/i.test(id)) return c.redirect(`/t/${c.var.membership.slug}/crews/projections`, 303);
    return c.redirect(requirementsUrl(c.var.membership.slug, id), 303);
  })
  .get("/analytics", async (c) => {
    const values = query(c, ["from", "to", "after"]);
    try {
      const data = await loadAnalytics(requestCtx(c), values);
      return page(c, <AnalyticsPage user={signedIn(c)} slug={c.var.membership.slug} values={values} data={data} />);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <AnalyticsPage user={signedIn(c)} slug={c.var.membership.slug} values={values} errors={err.fieldErrors} data={null} />, 422);
    }
  });
