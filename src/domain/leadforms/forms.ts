import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { customFieldsFor, formName, type CustomFieldDef } from "../crm/custom-fields.ts";
import { assertOwner, isUuid, memberOptions, optionalText, requiredText } from "../crm/shared.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";

// Lead forms, the admin side (issue 8, item 6): a form is built from the lead's own fields and the workspace's
// custom lead fields. The public side (the page, the embed and submissions) is in public.ts.

/** The lead's own fields a form may ask for; the name is always asked (a lead must have one). */
export const LEAD_FIELDS = [
  { key: "name", label: "Name", type: "text" },
  { key: "email", label: "Email", type: "email" },
  { key: "phone", label: "Phone", type: "tel" },
  { key: "company_name", label: "Company", type: "text" },
] as const;
export const LEAD_FIELD_KEYS: readonly string[] = LEAD_FIELDS.map((f) => f.key);

export const MAX_FORMS = 100;

export type LeadForm = {
  id: string;
  slug: string;
  name: string;
  fields: string[];
  source: string | null;
  owner_id: string | null;
  notify_owner: boolean;
  thank_you: string | null;
  redirect_url: string | null;
  min_seconds: number;
  active: boolean;
  created_at: Date;
  updated_at: Date;
};

export const FORM_COLUMNS = ["id", "slug", "name", "fields", "source", "owner_id", "notify_owner", "thank_you", "redirect_url", "min_seconds", "active", "created_at", "updated_at"] as const;

const checkbox = z.preprocess((v) => v === "1" || v === "on" || v === "true", z.boolean());

const FormSchema = z.object({
  name: requiredText(200, "Give the form a name."),
  slug: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
    z
      .string()
      .min(1, { error: "Give the form an address." })
      .max(60, { error: "Use at most 60 characters." })
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { error: "Use lowercase letters, digits and hyphens, starting and ending with a letter or digit." }),
  ),
  source: optionalText(100),
  owner_id: z.preprocess((v) => (v === "" || v === undefined ? null : v), z.string().max(100).nullable()),
  notify_owner: checkbox,
  thank_you: optionalText(2000),
  redirect_url: z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null),
    z
      .string()
      .max(2000, { error: "Use at most 2000 characters." })
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: "Enter a web address starting with http:// or https://." })
      .nullable(),
  ),
  min_seconds: z.preprocess(
    (v) => (v === "" || v === undefined ? 3 : v),
    z.coerce.number({ error: "Enter a number of seconds." }).int({ error: "Enter a whole number of seconds." }).min(0, { error: "Use 0 to 600 seconds." }).max(600, { error: "Use 0 to 600 seconds." }),
  ),
  active: checkbox,
});
type FormInput = z.output<typeof FormSchema>;
const EDITABLE = Object.keys(FormSchema.shape) as (keyof FormInput)[];

/** The fields a form may ask for: the lead's own, then its custom fields in their order. */
export function fieldChoices(custom: CustomFieldDef[]): { key: string; label: string; required: boolean }[] {
  return [...LEAD_FIELDS.map((f) => ({ key: f.key, label: f.label, required: f.key === "name" })), ...custom.map((d) => ({ key: formName(d.key), label: d.label, required: d.required }))];
}

/** Parses the builder's form: scalar values plus the ticked field keys (checkboxes, all of them). */
async function parseForm(ctx: Ctx, values: Record<string, string>, ticked: string[]): Promise<FormInput & { fields: string[] }> {
  const errors: FieldErrors = {};
  for (const [k, v] of Object.entries(values)) if (v.includes("\0")) errors[k] = "Remove the control characters from this field.";
  const r = FormSchema.safeParse(values);
  if (!r.success) for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  const choices = fieldChoices(await customFieldsFor(ctx, "lead"));
  const chosen = new Set(ticked);
  // Kept in the builder's order; a required custom field must be asked, or every submission would be refused.
  const fields = choices.filter((c) => c.required || chosen.has(c.key)).map((c) => c.key);
  if ([...chosen].some((k) => !choices.some((c) => c.key === k))) errors.fields = "Choose fields from the list.";
  if (r.success && r.data.notify_owner && !r.data.owner_id) errors.notify_owner = "Choose an owner to notify.";
  if (Object.keys(errors).length) throw new Invalid(errors);
  await assertOwner(ctx, r.data!.owner_id);
  return { ...r.data!, fields };
}

export async function listForms(ctx: Ctx): Promise<(LeadForm & { submissions: number })[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) =>
    tx.db
      .selectFrom("lead_forms as f")
      .select(FORM_COLUMNS.map((c) => `f.${c}` as const))
      .select(sql<number>`(select count(*)::int from lead_form_submissions s where s.tenant_id = f.tenant_id and s.form_id = f.id)`.as("submissions"))
      .where("f.tenant_id", "=", tx.tenantId!)
      .orderBy("f.name")
      .orderBy("f.id")
      .limit(MAX_FORMS)
      .execute(),
  );
}

async function load(ctx: Ctx, id: string, lock = false): Promise<LeadForm> {
  if (!isUuid(id)) throw new NotFound();
  let q = ctx.db.selectFrom("lead_forms").select(FORM_COLUMNS).where("tenant_id", "=", ctx.tenantId!).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

export async function getForm(ctx: Ctx, id: string): Promise<LeadForm> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => load(tx, id));
}

/** What the builder offers: the field choices and the members a form's leads can go to. */
export async function builderOptions(ctx: Ctx): Promise<{ choices: ReturnType<typeof fieldChoices>; members: { id: string; name: string }[] }> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, async (tx) => ({ choices: fieldChoices(await customFieldsFor(tx, "lead")), members: await memberOptions(tx) }));
}

async function slugTaken(ctx: Ctx, slug: string, except: string | null): Promise<boolean> {
  let q = ctx.db.selectFrom("lead_forms").select("id").where("tenant_id", "=", ctx.tenantId!).where("slug", "=", slug);
  if (except) q = q.where("id", "<>", except);
  return !!(await q.executeTakeFirst());
}

// Serialises form changes per workspace, so the cap and the unique address hold under concurrent admins.
const lockForms = (ctx: Ctx) => sql`select pg_advisory_xact_lock(727019, hashtext(${ctx.tenantId!}))`.execute(ctx.db);

export async function createForm(ctx: Ctx, values: Record<string, string>, ticked: string[]): Promise<string> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, async (tx) => {
    const input = await parseForm(tx, values, ticked);
    await lockForms(tx);
    const count = await tx.db.selectFrom("lead_forms").select(sql<number>`count(*)::int`.as("n")).where("tenant_id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    if (count.n >= MAX_FORMS) throw new Invalid({ _form: `A workspace has at most ${MAX_FORMS} forms. Delete one first.` });
    if (await slugTaken(tx, input.slug, null)) throw new Invalid({ slug: "Another form has that address." });
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("lead_forms")
      .values({ tenant_id: tx.tenantId!, id, ...input, signing_key: new Uint8Array(randomBytes(32)), created_by: tx.actor?.id ?? null, created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "lead_form.created", { type: "lead_form", id }, { ...input });
    return id;
  });
}

export async function updateForm(ctx: Ctx, id: string, values: Record<string, string>, ticked: string[]): Promise<void> {
  authorize(ctx, "settings.manage");
  await inTransaction(ctx, async (tx) => {
    // Existence first: another workspace's id is a 404 whatever the form holds (P09).
    const before = await load(tx, id, true);
    const input = await parseForm(tx, values, ticked);
    await lockForms(tx);
    if (await slugTaken(tx, input.slug, id)) throw new Invalid({ slug: "Another form has that address." });
    const changes = diff(before, input, EDITABLE);
    if (before.fields.join(",") !== input.fields.join(",")) changes.fields = { from: before.fields, to: input.fields };
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("lead_forms").set({ ...input, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "lead_form.updated", { type: "lead_form", id }, changes);
  });
}

/** Deletes a form and its submission records; the leads it created stay, with their attribution. */
export async function deleteForm(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("lead_forms").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning(["name", "slug"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "lead_form.deleted", { type: "lead_form", id }, { name: gone.name, slug: gone.slug });
  });
}

/** A form as builder values, for its edit page. */
export function formValuesOf(f: LeadForm): Record<string, string> {
  return {
    name: f.name,
    slug: f.slug,
    source: f.source ?? "",
    owner_id: f.owner_id ?? "",
    notify_owner: f.notify_owner ? "1" : "",
    thank_you: f.thank_you ?? "",
    redirect_url: f.redirect_url ?? "",
    min_seconds: String(f.min_seconds),
    active: f.active ? "1" : "",
  };
}
