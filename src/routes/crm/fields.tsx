import { Hono, type Context } from "hono";
import { createDefinition, deleteDefinition, getDefinition, listDefinitions, MAX_FIELDS, updateDefinition } from "../../domain/crm/custom-field-definitions.ts";
import type { CustomFieldDef, CustomForm } from "../../domain/crm/custom-fields.ts";
import { Invalid } from "../../domain/errors.ts";
import { authorize, can } from "../../domain/tenancy/permissions.ts";
import { FieldEditPage, fieldsBase, FieldsPage, type FieldsPageProps } from "../../views/crm/custom-fields.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, flashFrom } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Custom field definitions: every member may look, owners and admins (settings.manage) change them.

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });

/**
 * The custom part of a posted record form: every `cf_<key>` field, with all the values of a repeated one
 * (multi-select checkboxes). formValues() keeps only the first of each.
 */
export async function customFormValues(c: C): Promise<CustomForm> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const out: CustomForm = {};
  for (const [k, v] of Object.entries(body)) {
    if (!k.startsWith("cf_") || k.length > 43) continue;
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string").slice(0, 100);
    if (list.length) out[k] = list.length === 1 ? list[0]! : list;
  }
  return out;
}

const DONE: Record<string, string> = { created: "Field added.", saved: "Field saved.", deleted: "Field deleted. Values already saved stay stored with each record, hidden." };
const doneFlash = (c: C): Flash | null => flashFrom(c, DONE);

async function listPage(c: C, form?: FieldsPageProps["form"], status: 200 | 422 = 200) {
  const ctx = requestCtx(c);
  const fields = await listDefinitions(ctx);
  return page(c, <FieldsPage user={signedIn(c)} fields={fields} canManage={can(ctx.actor?.role, "settings.manage")} maxFields={MAX_FIELDS} flash={form ? null : doneFlash(c)} form={form} />, status);
}

const editValues = (d: CustomFieldDef) => ({ label: d.label, options: d.options.join("\n"), required: d.required ? "1" : "", position: String(d.position) });

export const fieldsRoutes = new Hono<AppEnv>()
  .get("/fields", (c) => listPage(c))
  .post("/fields", async (c) => {
    const values = await formValues(c);
    try {
      const def = await createDefinition(requestCtx(c), values);
      return c.redirect(`${fieldsBase(c.var.membership.slug)}?done=created#h-${def.object}`, 303);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/fields/:id", async (c) => {
    const ctx = requestCtx(c);
    const field = await getDefinition(ctx, c.req.param("id"));
    authorize(ctx, "settings.manage");
    return page(c, <FieldEditPage user={signedIn(c)} field={field} values={editValues(field)} />);
  })
  .post("/fields/:id", async (c) => {
    const ctx = requestCtx(c);
    const values = await formValues(c);
    try {
      await updateDefinition(ctx, c.req.param("id"), values);
      return c.redirect(`${fieldsBase(c.var.membership.slug)}?done=saved`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const field = await getDefinition(ctx, c.req.param("id"));
      return page(c, <FieldEditPage user={signedIn(c)} field={field} values={{ ...editValues(field), ...values, required: values.required ?? "" }} errors={err.fieldErrors} />, 422);
    }
  })
  .post("/fields/:id/deletion", async (c) => {
    await deleteDefinition(requestCtx(c), c.req.param("id"));
    return c.redirect(`${fieldsBase(c.var.membership.slug)}?done=deleted`, 303);
  });
