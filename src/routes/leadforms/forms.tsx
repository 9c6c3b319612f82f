import { Hono, type Context } from "hono";
import { builderOptions, createForm, deleteForm, formValuesOf, getForm, listForms, updateForm } from "../../domain/leadforms/forms.ts";
import { customFieldsFor, formName } from "../../domain/crm/custom-fields.ts";
import { signToken } from "../../domain/leadforms/public.ts";
import { Invalid } from "../../domain/errors.ts";
import { inTransaction } from "../../domain/context.ts";
import { can } from "../../domain/tenancy/permissions.ts";
import { FormBuilderPage, FormsPage, FormViewPage, formsBase } from "../../views/leadforms/forms.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE: Record<string, string> = { created: "Form created.", updated: "Form saved.", deleted: "Form deleted. The leads it created stay." };

/** The ticked field checkboxes, every one of them (formValues keeps only the first of a repeated name). */
async function tickedFields(c: C): Promise<string[]> {
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const v = body.fields;
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string").slice(0, 100).map((s) => s.slice(0, 60));
}

async function builder(c: C, values: Record<string, string>, ticked: string[], errors?: Record<string, string>, formId?: string) {
  const { choices, members } = await builderOptions(requestCtx(c));
  return page(c, <FormBuilderPage user={signedIn(c)} formId={formId} values={values} ticked={ticked} choices={choices} members={members} errors={errors} />, errors ? 422 : 200);
}

async function orInvalid(fn: () => Promise<Response>, again: (errors: Record<string, string>) => Promise<Response>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Invalid) return again(err.fieldErrors);
    throw err;
  }
}

// Admin pages of lead forms (issue 8, item 6): any member sees them; owners and admins build (settings.manage).
export const formsRoutes = new Hono<AppEnv>()
  .get("/forms", async (c) => {
    const ctx = requestCtx(c);
    const forms = await listForms(ctx);
    return page(c, <FormsPage user={signedIn(c)} forms={forms} canManage={can(ctx.actor?.role, "settings.manage")} flash={flashFrom(c, DONE)} />);
  })
  .get("/forms/new", (c) => builder(c, { active: "1", min_seconds: "3" }, ["email"]))
  .post("/forms", async (c) => {
    const values = await formValues(c);
    const ticked = await tickedFields(c);
    return orInvalid(
      async () => c.redirect(`${formsBase(c.var.membership.slug)}/${await createForm(requestCtx(c), values, ticked)}?done=created`, 303),
      (errors) => builder(c, values, ticked, errors),
    );
  })
  .get("/forms/:id", async (c) => {
    const ctx = requestCtx(c);
    const form = await getForm(ctx, c.req.param("id"));
    const defs = await customFieldsFor(ctx, "lead");
    const custom = form.fields.flatMap((k) => defs.filter((d) => formName(d.key) === k));
    // The embed snippet carries a signed timestamp like the page does; the key never leaves the database otherwise.
    const extra = await inTransaction(ctx, async (tx) => {
      const k = await tx.db.selectFrom("lead_forms").select("signing_key").where("tenant_id", "=", tx.tenantId!).where("id", "=", form.id).executeTakeFirstOrThrow();
      const owner = form.owner_id ? await tx.db.selectFrom("users").select("name").where("id", "=", form.owner_id).executeTakeFirst() : undefined;
      return { key: k.signing_key, owner: owner?.name ?? null };
    });
    const token = signToken({ form, signingKey: extra.key }, ctx.now);
    return page(
      c,
      <FormViewPage user={signedIn(c)} form={form} custom={custom} owner={extra.owner} publicUrl={c.var.deps.config.publicUrl} token={token} canManage={can(ctx.actor?.role, "settings.manage")} flash={flashFrom(c, DONE)} />,
    );
  })
  .get("/forms/:id/edit", async (c) => {
    const form = await getForm(requestCtx(c), c.req.param("id"));
    return builder(c, formValuesOf(form), form.fields, undefined, form.id);
  })
  .post("/forms/:id", async (c) => {
    const id = c.req.param("id");
    const values = await formValues(c);
    const ticked = await tickedFields(c);
    return orInvalid(
      async () => {
        await updateForm(requestCtx(c), id, values, ticked);
        return c.redirect(`${formsBase(c.var.membership.slug)}/${id}?done=updated`, 303);
      },
      (errors) => builder(c, values, ticked, errors, id),
    );
  })
  .post("/forms/:id/deletion", async (c) => {
    await deleteForm(requestCtx(c), c.req.param("id"));
    return c.redirect(`${formsBase(c.var.membership.slug)}?done=deleted`, 303);
  });
