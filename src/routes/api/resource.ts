import { Hono, type Context } from "hono";
import { z } from "zod";
import { formFromJson, type JsonForm } from "../../domain/api/json-forms.ts";
import type { Ctx } from "../../domain/context.ts";
import { customFieldsFor, customFormFromRecord, type CustomForm } from "../../domain/crm/custom-fields.ts";
import { Invalid } from "../../domain/errors.ts";
import type { CrmObject } from "../../domain/schema.ts";
import { apiCtx, readJson, type ApiEnv } from "./context.ts";

// One REST resource over the CRM's domain functions: list (cursor pages), get, create, update (PATCH merges the
// given fields into the record's current form values), delete. The same table drives the OpenAPI document and
// the cross-tenant test, so a resource cannot be served without being documented and probed.

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 50;

export interface ListPage {
  rows: unknown[];
  next: string | null;
}

export interface Resource<V = any> {
  /** URL segment and tag, e.g. "companies". */
  path: string;
  /** The singular, e.g. "company". */
  noun: string;
  /** The record's custom fields, if it has them. */
  object?: CrmObject;
  form: JsonForm;
  /** What get, create and update return. */
  item: z.ZodType;
  /** One row of a list page. */
  row: z.ZodType;
  /** The list's filters and sorts (query parameters besides limit and cursor). */
  filters: z.ZodObject;
  list(ctx: Ctx, values: Record<string, string>, limit: number): Promise<ListPage>;
  get(ctx: Ctx, id: string): Promise<V>;
  create(ctx: Ctx, values: Record<string, string>, custom: CustomForm, body: Record<string, unknown>): Promise<string>;
  /** Absent: the record cannot be changed once made (activities, notes). */
  update?(ctx: Ctx, id: string, values: Record<string, string>, custom: CustomForm, body: Record<string, unknown>): Promise<void>;
  remove?(ctx: Ctx, id: string): Promise<void>;
  /** The record as the form's values, which a PATCH overlays. */
  formOf?(v: V, ctx: Ctx): Record<string, string> | Promise<Record<string, string>>;
  /** PATCH's body schema, when it is not the create form's. */
  patch?: JsonForm;
}

const LimitSchema = z.coerce
  .number({ error: `Give limit as a whole number from 1 to ${MAX_LIMIT}.` })
  .int({ error: `Give limit as a whole number from 1 to ${MAX_LIMIT}.` })
  .min(1, { error: `Give limit as a whole number from 1 to ${MAX_LIMIT}.` })
  .max(MAX_LIMIT, { error: `Give limit as a whole number from 1 to ${MAX_LIMIT}.` });

function listValues(c: Context<ApiEnv>): { values: Record<string, string>; limit: number } {
  const q = c.req.query();
  const { limit: rawLimit, cursor, after: _ignored, ...rest } = q;
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : LimitSchema.safeParse(rawLimit);
  if (typeof limit !== "number" && !limit.success) throw new Invalid({ limit: limit.error.issues[0]!.message });
  // Lists name their cursor `after` (companies, contacts) or `cursor` (leads): give both; schemas drop the other.
  return { values: { ...rest, ...(cursor ? { after: cursor, cursor } : {}) }, limit: typeof limit === "number" ? limit : limit.data };
}

export function resourceRoutes(r: Resource): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>()
    .get(`/${r.path}`, async (c) => {
      const { values, limit } = listValues(c);
      const page = await r.list(apiCtx(c), values, limit);
      return c.json({ data: page.rows, next_cursor: page.next });
    })
    .post(`/${r.path}`, async (c) => {
      const body = await readJson(c);
      const { values, custom } = formFromJson(r.form, body);
      const ctx = apiCtx(c);
      const id = await r.create(ctx, values, custom, body);
      c.header("location", `/api/v1/${r.path}/${id}`);
      return c.json(await r.get(ctx, id), 201);
    })
    .get(`/${r.path}/:id`, async (c) => c.json(await r.get(apiCtx(c), c.req.param("id"))));
  if (r.update) {
    const update = r.update;
    app.patch(`/${r.path}/:id`, async (c) => {
      const ctx = apiCtx(c);
      const id = c.req.param("id");
      const body = await readJson(c);
      const current = await r.get(ctx, id);
      const { values, custom } = formFromJson(r.patch ?? r.form, body);
      let base: CustomForm = {};
      if (r.object) base = customFormFromRecord(await customFieldsFor(ctx, r.object), current.custom);
      await update(ctx, id, { ...((await r.formOf?.(current, ctx)) ?? {}), ...values }, { ...base, ...custom }, body);
      return c.json(await r.get(ctx, id));
    });
  }
  if (r.remove) {
    const remove = r.remove;
    app.delete(`/${r.path}/:id`, async (c) => {
      await remove(apiCtx(c), c.req.param("id"));
      return c.body(null, 204);
    });
  }
  return app;
}
