import { z } from "zod";
import { Invalid, type FieldErrors } from "../errors.ts";
import { formName, type CustomForm } from "../crm/custom-fields.ts";

// The API takes JSON; the CRM's schemas parse forms (strings, one list item a line). This is the one place that
// bridges them: JSON is turned into the form the schema already validates, so both paths share every rule and
// message, and the OpenAPI input schema is derived from the same zod schema.

export interface JsonForm {
  /** The form's zod schema, as the HTML routes use it. */
  schema: z.ZodType;
  /** Fields the form takes as one item a line (emails, phones): arrays of strings in JSON. */
  lists?: Record<string, { maxItems: number }>;
  /** Fields a create must have (the form's required inputs). */
  required?: string[];
  /** Whether the record has custom fields (`custom` object, keyed by field key). */
  custom?: boolean;
  /** Extra form fields the domain reads beside the schema, with their JSON type. */
  extra?: Record<string, z.ZodType>;
}

export function formFromJson(f: JsonForm, body: Record<string, unknown>): { values: Record<string, string>; custom: CustomForm } {
  const values: Record<string, string> = {};
  const errors: FieldErrors = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === "custom") continue;
    // A structured extra (e.g. a pipeline's stages) is read from the body by its resource.
    if (f.extra?.[k] && v !== null && typeof v === "object") continue;
    if (v === null || v === undefined) values[k] = "";
    else if (typeof v === "string") values[k] = v;
    else if (typeof v === "number" || typeof v === "bigint") values[k] = String(v);
    else if (typeof v === "boolean") values[k] = v ? "1" : "";
    else if (Array.isArray(v) && f.lists?.[k] && v.every((x) => typeof x === "string" && !/[\r\n]/.test(x))) values[k] = v.join("\n");
    else errors[k] = f.lists?.[k] ? "Give a list of strings." : "Give a string, number, boolean or null.";
  }
  const custom: CustomForm = {};
  if (body.custom !== undefined && body.custom !== null) {
    if (!f.custom || typeof body.custom !== "object" || Array.isArray(body.custom)) errors.custom = "Give custom fields as an object keyed by field key.";
    // Typed values (numbers, booleans, arrays) are what the custom field schema accepts besides form strings.
    else for (const [k, v] of Object.entries(body.custom)) custom[formName(k)] = v as string;
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { values, custom };
}

/** The JSON Schema of the request body, from the form's schema (input side), lists as arrays; `create` keeps required. */
export function jsonInputSchema(f: JsonForm, mode: "create" | "update"): Record<string, unknown> {
  const base = z.toJSONSchema(f.schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, any>;
  delete base.$schema;
  const props: Record<string, unknown> = { ...(base.properties ?? {}) };
  for (const [k, l] of Object.entries(f.lists ?? {})) props[k] = { type: "array", items: { type: "string" }, maxItems: l.maxItems };
  for (const [k, s] of Object.entries(f.extra ?? {})) props[k] = strip(z.toJSONSchema(s, { io: "input", unrepresentable: "any" }));
  if (f.custom) props.custom = { type: "object", description: "Custom field values keyed by field key (see /custom-field-definitions).", additionalProperties: true };
  const out: Record<string, unknown> = { type: "object", properties: props };
  if (mode === "create" && f.required?.length) out.required = f.required;
  return out;
}

const strip = (s: Record<string, unknown>) => {
  const { $schema: _s, ...rest } = s;
  return rest;
};
