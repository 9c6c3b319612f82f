import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { CompanySize } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { applyCustom, customDiff, customSet, parseWithCustom, type CustomForm, type CustomValues } from "./custom-fields.ts";
import { assertOwner, DomainSchema, isUuid, memberOptions, optionalText, requiredText } from "./shared.ts";

export const COMPANY_SIZES = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"] as const satisfies readonly CompanySize[];

/** An owner select: empty means nobody; assertOwner checks the rest against the workspace's members. */
export const ownerField = z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().max(100, { error: "Choose a member of this workspace." }).nullable());

export const CompanySchema = z.object({
  name: requiredText(200, "Enter the company's name."),
  domain: DomainSchema,
  industry: optionalText(100),
  size: z.preprocess((v) => (v === "" || v === undefined ? null : v), z.enum(COMPANY_SIZES, { error: "Choose a size from the list." }).nullable()),
  address: optionalText(1000),
  owner_id: ownerField,
});
export type CompanyInput = z.output<typeof CompanySchema>;
const FIELDS = ["name", "domain", "industry", "size", "address", "owner_id"] as const;

/**
 * Parses a form with a schema into field messages. A NUL character is refused up front: Postgres cannot store it in
 * text, and it would otherwise surface as a 500.
 */
export function parseForm<S extends z.ZodType>(schema: S, values: Record<string, string>): z.output<S> {
  const errors: FieldErrors = {};
  for (const [k, v] of Object.entries(values)) if (v.includes("\0")) errors[k] = "Remove the control characters from this field.";
  if (Object.keys(errors).length) throw new Invalid(errors);
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  throw new Invalid(issueErrors(r.error));
}

/** One message per field: the first zod gives. */
export function issueErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  return errors;
}

/** Creating what looks like a record the workspace already has: the form says so and links to it (409). */
export class DuplicateRecord extends Conflict {
  constructor(
    readonly existing: { type: "company" | "contact"; id: string; label: string },
    message: string,
  ) {
    super(message);
  }
}

/** The fields a create set, for its audit event. */
export function setFields(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)));
}

/** diff() for records with array fields, which it would otherwise always see as changed. */
export function recordDiff<T extends Record<string, unknown>>(before: T, after: Partial<T>, fields: (keyof T)[]) {
  const d = diff(before, after, fields);
  for (const [k, v] of Object.entries(d)) if (JSON.stringify(v.from) === JSON.stringify(v.to)) delete d[k];
  return d;
}

export const actorUserId = (ctx: Ctx) => (ctx.actor?.type === "user" ? ctx.actor.id : null);

export interface CompanyView {
  id: string;
  name: string;
  domain: string | null;
  industry: string | null;
  size: CompanySize | null;
  address: string | null;
  owner_id: string | null;
  owner_name: string | null;
  custom: CustomValues;
  created_at: Date;
  updated_at: Date;
  contacts: { id: string; first_name: string; last_name: string; emails: string[] }[];
  contactCount: number;
}

/** One company with its owner and first contacts; unknown, malformed or other-workspace ids are 404. */
export async function getCompany(ctx: Ctx, id: string): Promise<CompanyView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom("companies as c")
      .leftJoin("users as u", "u.id", "c.owner_id")
      .select(["c.id", "c.name", "c.domain", "c.industry", "c.size", "c.address", "c.owner_id", "u.name as owner_name", "c.custom", "c.created_at", "c.updated_at"])
      .where("c.tenant_id", "=", tx.tenantId!)
      .where("c.id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    const contacts = await tx.db
      .selectFrom("contacts")
      .select(["id", "first_name", "last_name", "emails"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("company_id", "=", id)
      .orderBy((eb) => eb.fn("lower", ["last_name"]))
      .orderBy("id")
      .limit(20)
      .execute();
    const count = await tx.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("tenant_id", "=", tx.tenantId!)
      .where("company_id", "=", id)
      .executeTakeFirstOrThrow();
    return { ...row, contacts, contactCount: Number(count.n) };
  });
}

export async function createCompany(ctx: Ctx, values: Record<string, string>, customForm: CustomForm = values): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "company", () => parseForm(CompanySchema, values), customForm);
    const custom = applyCustom({}, parsed);
    await assertOwner(tx, input.owner_id);
    if (input.domain && values.confirm_duplicate !== "1") {
      const dup = await tx.db.selectFrom("companies").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("domain", "=", input.domain).orderBy("id").executeTakeFirst();
      if (dup) throw new DuplicateRecord({ type: "company", id: dup.id, label: dup.name }, `A company with the domain ${input.domain} already exists.`);
    }
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("companies")
      .values({ tenant_id: tx.tenantId!, id, ...input, custom, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "company.created", { type: "company", id }, { ...setFields(input), ...customSet(fields, custom) });
    return id;
  });
}

export async function updateCompany(ctx: Ctx, id: string, values: Record<string, string>, customForm: CustomForm = values): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("companies").select([...FIELDS, "custom"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "company", () => parseForm(CompanySchema, values), customForm);
    const custom = applyCustom(before.custom, parsed);
    // A former member may still own the record; keeping them is not choosing them.
    if (input.owner_id !== before.owner_id) await assertOwner(tx, input.owner_id);
    const changes = { ...recordDiff(before, input, [...FIELDS]), ...customDiff(fields, before.custom, custom) };
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("companies").set({ ...input, custom, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "company.updated", { type: "company", id }, changes);
  });
}

/** Deletes a company; its contacts and deals stay, unlinked (the foreign keys set company_id null). */
export async function deleteCompany(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("companies").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning(["name"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "company.deleted", { type: "company", id }, { name: gone.name });
  });
}

export const COMPANY_OPTIONS_CAP = 500;

/**
 * Companies for a contact's company select, by name, capped so the form stays light; the chosen one is always
 * included. Only for people who may edit.
 */
export async function companyOptions(ctx: Ctx, include: string | null = null): Promise<{ options: { id: string; name: string }[]; truncated: boolean }> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("companies")
      .select(["id", "name"])
      .where("tenant_id", "=", tx.tenantId!)
      .orderBy((eb) => eb.fn("lower", ["name"]))
      .orderBy("id")
      .limit(COMPANY_OPTIONS_CAP + 1)
      .execute();
    const truncated = rows.length > COMPANY_OPTIONS_CAP;
    const options = rows.slice(0, COMPANY_OPTIONS_CAP);
    if (include && isUuid(include) && !options.some((o) => o.id === include)) {
      const extra = await tx.db.selectFrom("companies").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", include).executeTakeFirst();
      if (extra) options.unshift(extra);
    }
    return { options, truncated };
  });
}

/** The workspace's members, for owner selects and filters (memberOptions needs the tenant pinned). */
export async function ownerOptions(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => memberOptions(tx));
}
