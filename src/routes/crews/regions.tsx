import { Hono, type Context } from "hono";
import { createRegion, deleteRegion, getRegion, listRegions, renameRegion } from "../../domain/crews/regions.ts";
import { Conflict, Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import type { Flash } from "../../views/layout.tsx";
import { RegionFormPage, RegionsPage, regionsBase } from "../../views/crews/regions.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;
const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { created: "Region added.", renamed: "Region renamed.", deleted: "Region deleted." };

async function listPage(c: C, opts: { values?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null } = {}, status: 200 | 409 | 422 = 200) {
  const ctx = requestCtx(c);
  const regions = await listRegions(ctx);
  return page(c, <RegionsPage user={signedIn(c)} regions={regions} canEdit={can(ctx.actor?.role, "records.edit")} values={opts.values} errors={opts.errors} flash={opts.flash ?? flashFrom(c, DONE)} />, status);
}

export const regionsRoutes = new Hono<AppEnv>()
  .get("/regions", (c) => listPage(c))
  .post("/regions", async (c) => {
    const values = await formValues(c);
    try {
      await createRegion(requestCtx(c), values);
      return c.redirect(`${regionsBase(c.var.membership.slug)}?done=created`, 303);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/regions/:id/edit", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "records.edit");
    const region = await getRegion(ctx, c.req.param("id"));
    return page(c, <RegionFormPage user={signedIn(c)} region={region} values={{ name: region.name }} />);
  })
  .post("/regions/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await renameRegion(requestCtx(c), id, values);
      return c.redirect(`${regionsBase(c.var.membership.slug)}?done=renamed`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const region = await getRegion(requestCtx(c), id);
      return page(c, <RegionFormPage user={signedIn(c)} region={region} values={values} errors={err.fieldErrors} />, 422);
    }
  })
  .post("/regions/:id/deletion", async (c) => {
    try {
      await deleteRegion(requestCtx(c), c.req.param("id"));
      return c.redirect(`${regionsBase(c.var.membership.slug)}?done=deleted`, 303);
    } catch (err) {
      if (err instanceof Conflict) return listPage(c, { flash: { kind: "bad", message: err.message } }, 409);
      throw err;
    }
  });
