import type { Context } from "hono";
import type { z } from "zod";
import { Invalid, type FieldErrors } from "../domain/errors.ts";

export type FormValues = Record<string, string>;

/** The form body as plain strings (repeated fields: the first; files are ignored here). */
export async function formValues(c: Context): Promise<FormValues> {
  const type = c.req.header("content-type") ?? "";
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return {};
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === "string") out[k] = first;
  }
  return out;
}

/** One message per field, the first zod gives. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_form");
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

/** Parses values with a schema or throws Invalid with the field messages. */
export function parseWith<S extends z.ZodType>(schema: S, values: FormValues): z.output<S> {
  const r = schema.safeParse(values);
  if (!r.success) throw new Invalid(fieldErrors(r.error));
  return r.data;
}
