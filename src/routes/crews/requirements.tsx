import { Hono, type Context } from "hono";
import { createRequirement, deleteRequirement, getRequirement, listRequirements, requirementValues, tradeNames, updateRequirement } from "../../domain/crews/requirements.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { RequirementFormPage, RequirementsPage, requirementsUrl } from "../../views/crews/requirements.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// A project's required headcount by trade and dates (issue 7, item 3): list and add on one page, edit, delete.

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { added: "Requirement added.", saved: "Requirement saved.", deleted: "Requirement deleted." };

async function listPage(c: C, projectId: string, form?: { values: Record<string, string>; errors: FieldErrors }) {
  const ctx = requestCtx(c);
  const data = await listRequirements(ctx, projectId);
  const canEdit = can(ctx.actor?.role, "records.edit");
  const flash = form ? null : flashFrom(c, DONE);
  return page(c, <RequirementsPage user={signedIn(c)} slug={c.var.membership.slug} {...data} canEdit={canEdit} values={form?.values} errors={form?.errors} flash={flash} />, form ? 422 : 200);
}

export const requirementsRoutes = new Hono<AppEnv>()
  .get("/projects/:id/requirements", (c) => listPage(c, c.req.param("id")))
  .post("/projects/:id/requirements", async (c) => {
    const projectId = c.req.param("id");
    const values = await formValues(c);
    try {
      await createRequirement(requestCtx(c), projectId, values);
      return c.redirect(`${requirementsUrl(c.var.membership.slug, projectId)}?done=added`, 303);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, projectId, { values, errors: err.fieldErrors });
      throw err;
    }
  })
  .get("/projects/:id/requirements/:requirementId", async (c) => {
    const { project, requirement, trades } = await getRequirement(requestCtx(c), c.req.param("id"), c.req.param("requirementId"));
    return page(c, <RequirementFormPage user={signedIn(c)} slug={c.var.membership.slug} project={project} id={requirement.id} values={requirementValues(requirement)} trades={trades} />);
  })
  .post("/projects/:id/requirements/:requirementId", async (c) => {
    const { id: projectId, requirementId } = c.req.param();
    const values = await formValues(c);
    const ctx = requestCtx(c);
    try {
      await updateRequirement(ctx, projectId, requirementId, values);
      return c.redirect(`${requirementsUrl(c.var.membership.slug, projectId)}?done=saved`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const { project } = await getRequirement(ctx, projectId, requirementId);
      return page(c, <RequirementFormPage user={signedIn(c)} slug={c.var.membership.slug} project={project} id={requirementId} values={values} errors={err.fieldErrors} trades={await tradeNames(ctx)} />, 422);
    }
  })
  .post("/projects/:id/requirements/:requirementId/deletion", async (c) => {
    const { id: projectId, requirementId } = c.req.param();
    await deleteRequirement(requestCtx(c), projectId, requirementId);
    return c.redirect(`${requirementsUrl(c.var.membership.slug, projectId)}?done=deleted`, 303);
  });
