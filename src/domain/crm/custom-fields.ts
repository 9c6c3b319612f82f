import { sql, type RawBuilder } from "kysely";
import { z } from "zod";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, type FieldErrors } from "../errors.ts";
import type { CrmObject, CustomFieldType } from "../schema.ts";

// Custom field values: the zod schema built from an object's definitions, parsing record forms and imported values,
// merging them into a record's `custom` jsonb, their audit diff, and their list columns and filters. The admin side
// (defining fields) is in custom-field-definitions.ts.

export const CRM_OBJECTS = ["company", "contact", "lead", "deal"] as const satisfies readonly CrmObject[];
export const FIELD_TYPES = ["text", "long_text", "number", "date", "select", "multi_select", "checkbox", "url", "email"] as const satisfies readonly CustomFieldType[];
/** Types a list can filter on by exact match (`cf_<key>=value`). */
export const FILTERABLE_TYPES: readonly CustomFieldType[] = ["select", "multi_select", "checkbox"];
/** Lists show the first few custom fields (by position) as columns, to stay light on a phone. */
export const LIST_COLUMNS = 3;
export const TEXT_MAX = 500;
export const LONG_TEXT_MAX = 10_000;

export interface CustomFieldDef {
  id: string;
  object: CrmObject;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
  position: number;
}

/** A record's custom values by field key, as stored in its `custom` jsonb. */
export type CustomValues = Record<string, unknown>;
/** The custom part of a posted form: `cf_<key>` → its value, or every value of a repeated field (multi-select). */
export type CustomForm = Record<string, string | string[]>;

export const formName = (key: string) => `cf_${key}`;

/**
 * An object's field definitions in display order. Definitions are workspace configuration that every member sees
 * (and that import and export jobs read with a system actor), so there is no permission check here: the callers that
 * read or change records check theirs. Row-level security keeps it to the current workspace.
 */
export async function customFieldsFor(ctx: Ctx, object: CrmObject): Promise<CustomFieldDef[]> {
  return inTransaction(ctx, async (tx) => {
    // A page asks for the same definitions several times (filters, list, columns) within one transaction, which
    // is also the only span they are kept for; definition changes forget them (forgetCustomFields).
    const kept = definitionsSeen.get(tx.db)?.get(object);
    if (kept) return kept;
    const defs = await tx.db
      .selectFrom("custom_field_definitions")
      .select(["id", "object", "key", "label", "type", "options", "required", "position"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("object", "=", object)
      .orderBy("position")
      .orderBy("id")
      .execute();
    const byObject = definitionsSeen.get(tx.db) ?? new Map<CrmObject, CustomFieldDef[]>();
    definitionsSeen.set(tx.db, byObject.set(object, defs));
    return defs;
  });
}

const definitionsSeen = new WeakMap<object, Map<CrmObject, CustomFieldDef[]>>();

/** Called by the changes to definitions, so a transaction that changes them never reads its old copy. */
export function forgetCustomFields(tx: Ctx): void {
  definitionsSeen.delete(tx.db);
}

// ---- Validation ----

const TRUE = new Set(["on", "1", "true", "yes"]);
const FALSE = new Set(["", "0", "false", "off", "no"]);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const isRealDate = (v: string) => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};

/** One field's schema: form input (a string, or strings for a multi-select) → its JSON value, or null when empty. */
function fieldSchema(d: CustomFieldDef): z.ZodType<unknown> {
  return z.unknown().transform((raw, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    if (d.type === "multi_select") {
      const list = (raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === "string" ? v.trim() : v)).filter((v) => v !== "");
      if (list.some((v) => typeof v !== "string" || !d.options.includes(v))) return fail("Choose only from the options listed.");
      const chosen = d.options.filter((o) => list.includes(o));
      if (d.required && chosen.length === 0) return fail("Choose at least one option.");
      return chosen.length ? chosen : null;
    }
    const one = Array.isArray(raw) ? raw[0] : raw;
    if (d.type === "checkbox") {
      const v = typeof one === "boolean" ? one : typeof one === "string" && TRUE.has(one.trim().toLowerCase()) ? true : one === undefined || one === null || (typeof one === "string" && FALSE.has(one.trim().toLowerCase())) ? false : null;
      if (v === null) return fail("Tick the box or leave it empty.");
      if (d.required && !v) return fail("Tick this box to continue.");
      return v;
    }
    if (d.type === "number" && typeof one === "number") return Number.isFinite(one) ? one : fail("Enter a number like 1234.5.");
    if (one !== undefined && one !== null && typeof one !== "string") return fail("Enter a value as text.");
    const v = (one ?? "").replace(/\r\n?/g, "\n").trim();
    if (v.includes("\0")) return fail("Remove the control characters from this field.");
    if (v === "") return d.required ? fail(d.type === "select" ? "Choose one of the options." : "Fill in this field.") : null;
    switch (d.type) {
      case "text":
      case "long_text": {
        const max = d.type === "text" ? TEXT_MAX : LONG_TEXT_MAX;
        return v.length <= max ? v : fail(`Use at most ${max} characters.`);
      }
      case "number": {
        const n = Number(v);
        return v.length <= 40 && NUMBER.test(v) && Number.isFinite(n) ? n : fail("Enter a number like 1234.5 (digits, a minus sign and a decimal point only).");
      }
      case "date":
        return DATE.test(v) && isRealDate(v) ? v : fail("Enter a real date as YYYY-MM-DD.");
      case "select":
        return d.options.includes(v) ? v : fail("Choose one of the options listed.");
      case "url":
        return v.length <= 2000 && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) ? v : fail("Enter a web address starting with http:// or https://.");
      case "email":
        return EmailSchema.safeParse(v).success ? normalizeEmail(v) : fail("Enter an email address like name@example.com.");
    }
    return fail("This field's type is not known.");
  });
}

/**
 * The zod schema for an object's custom fields: input keyed `cf_<key>` (as forms name them), output keyed by field
 * key with proper JSON types (numbers, booleans, arrays), null where a field was left empty. Issues are keyed
 * `cf_<key>`, so each message shows next to its field.
 */
export function customFieldSchema(definitions: CustomFieldDef[]) {
  const shape: Record<string, z.ZodType<unknown>> = {};
  for (const d of definitions) shape[formName(d.key)] = fieldSchema(d);
  // A field missing from the input is an empty field (an unticked checkbox posts nothing), not a missing key.
  const blanks = Object.fromEntries(definitions.map((d) => [formName(d.key), null]));
  return z
    .preprocess((v) => ({ ...blanks, ...(v && typeof v === "object" ? v : {}) }), z.object(shape))
    .transform((o) => Object.fromEntries(definitions.map((d) => [d.key, o[formName(d.key)] ?? null])) as Record<string, unknown>);
}

function parseOrInvalid(definitions: CustomFieldDef[], input: Record<string, unknown>): Record<string, unknown> {
  const r = customFieldSchema(definitions).safeParse(input);
  if (r.success) return r.data;
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  throw new Invalid(errors);
}

/** A record form's custom fields, every one of them (a field left out is empty); Invalid keyed `cf_<key>`. */
export function parseCustomForm(definitions: CustomFieldDef[], form: CustomForm): Record<string, unknown> {
  return parseOrInvalid(definitions, form);
}

/**
 * Custom values keyed by field key, as an import row or an API body gives them (strings, or already typed values).
 * A multi-select may come as one string "a; b" unless the whole string is one of its options. With `partial`, only
 * the fields present are checked and returned (null: clear it), so an import that updates a record keeps the
 * fields it has no column for. Unknown keys are ignored. Invalid is keyed `cf_<key>`.
 */
export function parseCustomValues(definitions: CustomFieldDef[], values: Record<string, unknown>, opts: { partial?: boolean } = {}): Record<string, unknown> {
  const defs = opts.partial ? definitions.filter((d) => d.key in values) : definitions;
  const input: Record<string, unknown> = {};
  for (const d of defs) {
    const v = values[d.key];
    input[formName(d.key)] = d.type === "multi_select" && typeof v === "string" && !d.options.includes(v.trim()) ? v.split(";") : v;
  }
  return parseOrInvalid(defs, input);
}

/** The record's jsonb after a parse: set values replace, nulls remove; keys of deleted fields are kept as they were. */
export function applyCustom(before: CustomValues, parsed: Record<string, unknown>): CustomValues {
  const out: CustomValues = { ...before };
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null || v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Audit changes of the defined fields, as `custom.<key>`: { from, to }. */
export function customDiff(definitions: CustomFieldDef[], before: CustomValues, after: CustomValues): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const { key } of definitions) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) out[`custom.${key}`] = { from, to };
  }
  return out;
}

/** The values a create set, for its audit event, as `custom.<key>`. */
export function customSet(definitions: CustomFieldDef[], custom: CustomValues): Record<string, unknown> {
  return Object.fromEntries(definitions.filter((d) => custom[d.key] !== undefined).map((d) => [`custom.${d.key}`, custom[d.key]]));
}

/**
 * Parses a record form's own fields and its custom fields together, so every wrong field is reported at once (422).
 * Call it inside the record's transaction.
 */
export async function parseWithCustom<T>(ctx: Ctx, object: CrmObject, builtIn: () => T, form: CustomForm): Promise<{ input: T; fields: CustomFieldDef[]; custom: Record<string, unknown> }> {
  const fields = await customFieldsFor(ctx, object);
  const errors: FieldErrors = {};
  let input: T | undefined;
  let custom: Record<string, unknown> = {};
  try {
    input = builtIn();
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fieldErrors);
  }
  try {
    custom = parseCustomForm(fields, form);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fieldErrors);
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { input: input as T, fields, custom };
}

/** A record's stored values as form values, for its edit form (a value of another type shows as text). */
export function customFormFromRecord(definitions: CustomFieldDef[], custom: CustomValues | null | undefined): CustomForm {
  const out: CustomForm = {};
  for (const d of definitions) {
    const v = custom?.[d.key];
    if (v === undefined || v === null) continue;
    if (d.type === "checkbox") out[formName(d.key)] = v === true ? "1" : "";
    else if (d.type === "multi_select") out[formName(d.key)] = (Array.isArray(v) ? v : [v]).map(String);
    else out[formName(d.key)] = typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return out;
}

// ---- Lists ----

export const filterable = (definitions: CustomFieldDef[]) => definitions.filter((d) => FILTERABLE_TYPES.includes(d.type));

/** The query parameters a list accepts for these fields' filters. */
export const customFilterKeys = (definitions: CustomFieldDef[]) => filterable(definitions).map((d) => formName(d.key));

/**
 * The custom part of a list query: the first fields' values for the columns (only those keys, so a long text in
 * another field never travels), and one condition per `cf_<key>` filter. Filters use jsonb containment (@>),
 * which a GIN index on `custom` can serve. A value the field cannot hold is a 422 keyed `cf_<key>`.
 */
export function customListQuery(definitions: CustomFieldDef[], alias: string, values: Record<string, string | undefined>): { column: RawBuilder<CustomValues>; where: RawBuilder<boolean>[] } {
  const col = sql.ref(`${alias}.custom`);
  const shown = definitions.slice(0, LIST_COLUMNS);
  const column = sql<CustomValues>`jsonb_build_object(${sql.join(shown.length ? shown.map((d) => sql`${d.key}::text, ${col} -> ${d.key}::text`) : [sql``])})`;
  const where: RawBuilder<boolean>[] = [];
  const errors: FieldErrors = {};
  for (const d of filterable(definitions)) {
    const raw = values[formName(d.key)]?.trim();
    if (!raw) continue;
    if (d.type === "checkbox") {
      const v = raw.toLowerCase();
      if (TRUE.has(v)) where.push(sql<boolean>`${col} @> jsonb_build_object(${d.key}::text, true)`);
      // Records saved before the field existed have no value: unticked.
      else if (FALSE.has(v)) where.push(sql<boolean>`not (${col} @> jsonb_build_object(${d.key}::text, true))`);
      else errors[formName(d.key)] = "Choose yes or no.";
    } else if (!d.options.includes(raw)) {
      errors[formName(d.key)] = "Choose one of the options listed.";
    } else if (d.type === "select") {
      where.push(sql<boolean>`${col} @> jsonb_build_object(${d.key}::text, ${raw}::text)`);
    } else {
      where.push(sql<boolean>`${col} @> jsonb_build_object(${d.key}::text, jsonb_build_array(${raw}::text))`);
    }
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { column, where };
}
