import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { CrmObject, CustomFieldType } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { CRM_OBJECTS, FIELD_TYPES, forgetCustomFields, type CustomFieldDef } from "./custom-fields.ts";
import { isUuid, requiredText } from "./shared.ts";

// Defining custom fields: admins (settings.manage) add, edit and delete them per object; every member may see them.
// A field's key is derived from its label once and never changes, because records keep their values under it.

export const MAX_FIELDS = 50;
export const MAX_OPTIONS = 50;
export const OPTION_MAX = 100;
const WITH_OPTIONS: readonly CustomFieldType[] = ["select", "multi_select"];

const COLUMNS = ["id", "object", "key", "label", "type", "options", "required", "position"] as const;

/** A key for a label: lower-case ASCII letters, digits and underscores, starting with a letter, at most 40. */
export function deriveKey(label: string): string {
  const k = label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const start = k === "" ? "field" : /^[a-z]/.test(k) ? k : `f_${k}`;
  return start.slice(0, 40).replace(/_+$/, "");
}

/** The derived key, with _2, _3 … when another field of the object has it already. */
function uniqueKey(label: string, taken: Set<string>): string {
  const base = deriveKey(label);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const key = `${base.slice(0, 40 - suffix.length).replace(/_+$/, "")}${suffix}`;
    if (!taken.has(key)) return key;
  }
}

const checkbox = z.preprocess((v) => typeof v === "string" && ["on", "1", "true"].includes(v), z.boolean());
const optionsText = z.preprocess((v) => (typeof v === "string" ? v : ""), z.string().max(MAX_OPTIONS * (OPTION_MAX + 2), { error: "That list of options is too long." }));

const CreateSchema = z.object({
  object: z.enum(CRM_OBJECTS, { error: "Choose which records the field is for." }),
  label: requiredText(100, "Enter a label."),
  type: z.enum(FIELD_TYPES, { error: "Choose a type from the list." }),
  options: optionsText,
  required: checkbox,
});

const UpdateSchema = z.object({
  label: requiredText(100, "Enter a label."),
  options: optionsText,
  required: checkbox,
  position: z.preprocess((v) => (typeof v === "string" ? v.trim() : v), z.string({ error: "Enter a position." }).regex(/^\d{1,4}$/, { error: "Enter a whole number from 0 to 9999." }).transform(Number)),
});

/** One option a line for select types (trimmed, repeats dropped); other types keep none. */
function parseOptions(type: CustomFieldType, text: string, errors: FieldErrors): string[] {
  if (!WITH_OPTIONS.includes(type)) return [];
  const lines = [...new Set(text.split(/\r\n|\r|\n/).map((l) => l.trim()).filter(Boolean))];
  if (lines.length === 0) errors.options = "Add at least one option, one a line.";
  else if (lines.length > MAX_OPTIONS) errors.options = `A field has at most ${MAX_OPTIONS} options.`;
  else if (lines.some((l) => l.length > OPTION_MAX)) errors.options = `Keep each option to ${OPTION_MAX} characters.`;
  return lines;
}

function parse<S extends z.ZodType>(schema: S, values: Record<string, string>, errors: FieldErrors): z.output<S> | null {
  for (const [k, v] of Object.entries(values)) if (v.includes("\0")) errors[k] = "Remove the control characters from this field.";
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  return null;
}

/** Every field of the workspace, by object, in display order. */
export async function listDefinitions(ctx: Ctx): Promise<Record<CrmObject, CustomFieldDef[]>> {
  authorize(ctx, "records.view");
  const rows = await inTransaction(ctx, (tx) =>
    tx.db.selectFrom("custom_field_definitions").select(COLUMNS).where("tenant_id", "=", tx.tenantId!).orderBy("position").orderBy("id").execute(),
  );
  const out = { company: [], contact: [], lead: [], deal: [] } as Record<CrmObject, CustomFieldDef[]>;
  for (const r of rows) out[r.object].push(r);
  return out;
}

async function load(ctx: Ctx, id: string, lock = false): Promise<CustomFieldDef> {
  if (!isUuid(id)) throw new NotFound();
  let q = ctx.db.selectFrom("custom_field_definitions").select(COLUMNS).where("tenant_id", "=", ctx.tenantId!).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** One field; another workspace's, unknown or malformed ids are 404. */
export async function getDefinition(ctx: Ctx, id: string): Promise<CustomFieldDef> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => load(tx, id));
}

/** Another field of the object with this label (case-insensitive), which would be confusing in a form. */
async function labelTaken(ctx: Ctx, object: CrmObject, label: string, except: string | null): Promise<boolean> {
  let q = ctx.db.selectFrom("custom_field_definitions").select("id").where("tenant_id", "=", ctx.tenantId!).where("object", "=", object).where(sql<boolean>`lower(label) = lower(${label})`);
  if (except) q = q.where("id", "<>", except);
  return !!(await q.executeTakeFirst());
}

// Serialises definition changes per object, so the cap and the unique key hold under concurrent admins.
const lockObject = (ctx: Ctx, object: CrmObject) => sql`select pg_advisory_xact_lock(727005, hashtext(${`${ctx.tenantId}:${object}`}))`.execute(ctx.db);

export async function createDefinition(ctx: Ctx, values: Record<string, string>): Promise<CustomFieldDef> {
  authorize(ctx, "settings.manage");
  const errors: FieldErrors = {};
  const input = parse(CreateSchema, values, errors);
  // Options are checked even when another field failed, so every message shows at once.
  const type = FIELD_TYPES.find((t) => t === values.type);
  const options = type && !errors.options ? parseOptions(type, values.options ?? "", errors) : [];
  if (!input || Object.keys(errors).length) throw new Invalid(errors);
  return inTransaction(ctx, async (tx) => {
    forgetCustomFields(tx);
    await lockObject(tx, input.object);
    const existing = await tx.db.selectFrom("custom_field_definitions").select(["key", "position"]).where("tenant_id", "=", tx.tenantId!).where("object", "=", input.object).execute();
    if (existing.length >= MAX_FIELDS) throw new Invalid({ object: `A record type has at most ${MAX_FIELDS} custom fields. Delete one first.` });
    if (await labelTaken(tx, input.object, input.label, null)) throw new Invalid({ label: "Another field of this record type has that label." });
    const def: CustomFieldDef = {
      id: Bun.randomUUIDv7(),
      object: input.object,
      key: uniqueKey(input.label, new Set(existing.map((e) => e.key))),
      label: input.label,
      type: input.type,
      options,
      required: input.required,
      position: Math.min(9999, existing.reduce((m, e) => Math.max(m, e.position + 1), 0)),
    };
    await tx.db.insertInto("custom_field_definitions").values({ tenant_id: tx.tenantId!, ...def, created_at: tx.now }).execute();
    // "field", not "key": the audit trail redacts any change named like a secret (…key, …token).
    const { id: _, key, ...rest } = def;
    await audit(tx, "custom_field.created", { type: "custom_field", id: def.id }, { field: key, ...rest });
    return def;
  });
}

/** Changes a field's label, options, required and position. Its type and key never change. */
export async function updateDefinition(ctx: Ctx, id: string, values: Record<string, string>): Promise<CustomFieldDef> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, async (tx) => {
    forgetCustomFields(tx);
    const before = await load(tx, id, true);
    const errors: FieldErrors = {};
    if (values.type !== undefined && values.type !== before.type) errors.type = "A field's type cannot change. Delete the field and create a new one of the type you want.";
    const input = parse(UpdateSchema, values, errors);
    const options = errors.options ? [] : parseOptions(before.type, values.options ?? "", errors);
    if (!input || Object.keys(errors).length) throw new Invalid(errors);
    if (await labelTaken(tx, before.object, input.label, id)) throw new Invalid({ label: "Another field of this record type has that label." });
    const after = { label: input.label, options, required: input.required, position: input.position };
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of ["label", "options", "required", "position"] as const) {
      if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) changes[k] = { from: before[k], to: after[k] };
    }
    if (Object.keys(changes).length === 0) return before;
    await tx.db.updateTable("custom_field_definitions").set(after).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "custom_field.updated", { type: "custom_field", id }, { object: before.object, field: before.key, ...changes });
    return { ...before, ...after };
  });
}

/** Deletes a definition. Records keep their values under its key (not shown), so nothing is lost by accident. */
export async function deleteDefinition(ctx: Ctx, id: string): Promise<CustomFieldDef> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, async (tx) => {
    forgetCustomFields(tx);
    const def = await load(tx, id, true);
    await tx.db.deleteFrom("custom_field_definitions").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "custom_field.deleted", { type: "custom_field", id }, { object: def.object, field: def.key, label: def.label, type: def.type });
    return def;
  });
}
