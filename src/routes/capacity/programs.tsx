import { Hono, type Context } from "hono";
import { recentImports } from "../../domain/capacity/imports.ts";
import { createProgram, deleteProgram, getProgram, listPrograms, programFormValues, updateProgram } from "../../domain/capacity/programs.ts";
import { historySummary } from "../../domain/capacity/volumes.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { capacityBase, CapacityHomePage, programUrl } from "../../views/capacity/home.tsx";
import { ProgramFormPage, ProgramPage } from "../../views/capacity/programs.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { deleted: "Program deleted.", created: "Program created.", saved: "Changes saved." };
const canEdit = (c: C) => can(c.var.membership.role, "records.edit");

function formPage(c: C, props: { program?: { id: string; name: string }; values: Record<string, string>; errors?: FieldErrors }, status: 200 | 422 = 200) {
  return page(c, <ProgramFormPage user={signedIn(c)} {...props} />, status);
}

// A sensible start for a new program: weekdays 08:00–18:00, 80/20, the usual shrinkage categories.
const NEW_PROGRAM: Record<string, string> = {
  channel: "voice", interval_minutes: "15", sl_target: "80", sl_seconds: "20", max_occupancy: "85", default_aht_seconds: "300",
  ...Object.fromEntries([1, 2, 3, 4, 5].flatMap((d) => [[`open_${d}`, "08:00"], [`close_${d}`, "18:00"]])),
  shrinkage_name_1: "Breaks", shrinkage_percent_1: "10", shrinkage_name_2: "Training", shrinkage_percent_2: "5", shrinkage_name_3: "Absence", shrinkage_percent_3: "8",
};

export const programsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const { rows, more } = await listPrograms(requestCtx(c));
    return page(c, <CapacityHomePage user={signedIn(c)} programs={rows} more={more} canEdit={canEdit(c)} flash={flashFrom(c, DONE)} />);
  })
  .get("/programs", (c) => c.redirect(capacityBase(c.var.membership.slug), 302))
  .get("/programs/new", (c) => {
    authorize(requestCtx(c), "records.edit");
    return formPage(c, { values: NEW_PROGRAM });
  })
  .post("/programs", async (c) => {
    const values = await formValues(c);
    try {
      const id = await createProgram(requestCtx(c), values);
      return c.redirect(programUrl(c.var.membership.slug, id), 303);
    } catch (err) {
      if (err instanceof Invalid) return formPage(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/programs/:id", async (c) => {
    const ctx = requestCtx(c);
    const program = await getProgram(ctx, c.req.param("id"));
    const history = await historySummary(ctx, program.id);
    const imports = canEdit(c) ? await recentImports(ctx, program.id, 5) : [];
    return page(c, <ProgramPage user={signedIn(c)} program={program} history={history} imports={imports} canEdit={canEdit(c)} flash={flashFrom(c, DONE)} />);
  })
  .get("/programs/:id/edit", async (c) => {
    const ctx = requestCtx(c);
    const p = await getProgram(ctx, c.req.param("id"));
    authorize(ctx, "records.edit");
    return formPage(c, { program: { id: p.id, name: p.name }, values: programFormValues(p) });
  })
  .post("/programs/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await updateProgram(requestCtx(c), id, values);
      return c.redirect(programUrl(c.var.membership.slug, id), 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const p = await getProgram(requestCtx(c), id);
      return formPage(c, { program: { id, name: p.name }, values, errors: err.fieldErrors }, 422);
    }
  })
  .post("/programs/:id/deletion", async (c) => {
    await deleteProgram(requestCtx(c), c.req.param("id"));
    return c.redirect(`${capacityBase(c.var.membership.slug)}?done=deleted`, 303);
  });
