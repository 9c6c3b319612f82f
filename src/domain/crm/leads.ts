import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { EmailSchema } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import type { Lead, LeadStatus } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { applyCustom, customDiff, customFieldsFor, customListQuery, customSet, parseWithCustom, type CustomForm, type CustomValues } from "./custom-fields.ts";
import { assertOwner, isUuid, memberOptions, optionalText, PAGE_SIZE, requiredText, searchFilter, searchQuery } from "./shared.ts";

export const LEAD_STATUSES: LeadStatus[] = ["new", "contacted", "qualified", "disqualified"];
export const LEAD_STATUS_LABELS: Record<LeadStatus, string> = { new: "New", contacted: "Contacted", qualified: "Qualified", disqualified: "Disqualified" };
export const UTM_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v ?? null);

/** A referrer is where the visit came from: only a web address makes sense, and only one we can link to safely. */
const ReferrerSchema = z.preprocess(
  blankToNull,
  z
    .string()
    .trim()
    .max(2000, { error: "Use at most 2000 characters." })
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { error: "Enter a web address starting with http:// or https://." })
    .nullable(),
);

export const LeadSchema = z.object({
  name: requiredText(200, "Enter the lead's name."),
  email: z.preprocess(blankToNull, EmailSchema.nullable()),
  phone: optionalText(50),
  company_name: optionalText(200),
  source: optionalText(100),
  status: z.preprocess((v) => (v === undefined || v === "" ? "new" : v), z.enum(LEAD_STATUSES as [LeadStatus, ...LeadStatus[]], { error: "Choose one of the statuses listed." })),
  owner_id: z.preprocess(blankToNull, z.string().max(100).nullable()),
  utm_source: optionalText(200),
  utm_medium: optionalText(200),
  utm_campaign: optionalText(200),
  utm_term: optionalText(200),
  utm_content: optionalText(200),
  referrer: ReferrerSchema,
});
export type LeadInput = z.output<typeof LeadSchema>;
const EDITABLE = Object.keys(LeadSchema.shape) as (keyof LeadInput)[];

function parseLead(values: Record<string, string | undefined>): LeadInput {
  const r = LeadSchema.safeParse(values);
  if (r.success) return r.data;
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  throw new Invalid(errors);
}

export async function createLead(ctx: Ctx, values: Record<string, string | undefined>, customForm: CustomForm = values as CustomForm): Promise<string> {
  authorize(ctx, "records.edit");
  return insertLead(ctx, values, customForm);
}

/**
 * The lead create itself, with the CRM form's validation and audit event, for callers that authorised the write
 * their own way: createLead (a member's role) and public lead forms (a visitor, audited with no actor).
 */
export async function insertLead(ctx: Ctx, values: Record<string, string | undefined>, customForm: CustomForm = values as CustomForm): Promise<string> {
  return inTransaction(ctx, async (tx) => {
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "lead", () => parseLead(values), customForm);
    const custom = applyCustom({}, parsed);
    await assertOwner(tx, input.owner_id);
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("leads")
      .values({ tenant_id: tx.tenantId!, id, ...input, custom, created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "lead.created", { type: "lead", id }, { name: input.name, status: input.status, source: input.source, owner_id: input.owner_id, ...customSet(fields, custom) });
    return id;
  });
}

/** A lead as its page shows it: the columns (never `search`), its owner's name and what it was converted into. */
export type LeadRecord = Omit<Lead, "search" | "tenant_id" | "name_key"> & {
  owner_name: string | null;
  contact_name: string | null;
  company_label: string | null;
  deal_title: string | null;
};

const LEAD_COLUMNS = [
  "l.id", "l.name", "l.email", "l.phone", "l.company_name", "l.source", "l.status", "l.owner_id",
  "l.utm_source", "l.utm_medium", "l.utm_campaign", "l.utm_term", "l.utm_content", "l.referrer",
  "l.converted_at", "l.converted_contact_id", "l.converted_company_id", "l.converted_deal_id",
  "l.custom", "l.created_by", "l.created_at", "l.updated_at",
] as const;

export async function getLead(ctx: Ctx, id: string): Promise<LeadRecord> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom("leads as l")
      .leftJoin("users as u", "u.id", "l.owner_id")
      .leftJoin("contacts as ct", (j) => j.onRef("ct.tenant_id", "=", "l.tenant_id").onRef("ct.id", "=", "l.converted_contact_id"))
      .leftJoin("companies as co", (j) => j.onRef("co.tenant_id", "=", "l.tenant_id").onRef("co.id", "=", "l.converted_company_id"))
      .leftJoin("deals as d", (j) => j.onRef("d.tenant_id", "=", "l.tenant_id").onRef("d.id", "=", "l.converted_deal_id"))
      .select([...LEAD_COLUMNS, "u.name as owner_name", "co.name as company_label", "d.title as deal_title"])
      .select(sql<string | null>`nullif(trim(ct.first_name || ' ' || ct.last_name), '')`.as("contact_name"))
      .where("l.id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

export async function updateLead(ctx: Ctx, id: string, values: Record<string, string | undefined>, customForm: CustomForm = values as CustomForm): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    // Existence first: another workspace's id is a 404 whatever the form holds (P09).
    const before = await tx.db.selectFrom("leads").select([...EDITABLE, "custom"]).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const { input, fields, custom: parsed } = await parseWithCustom(tx, "lead", () => parseLead(values), customForm);
    const custom = applyCustom(before.custom, parsed);
    await assertOwner(tx, input.owner_id);
    const changes = { ...diff(before, input, EDITABLE), ...customDiff(fields, before.custom, custom) };
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("leads").set({ ...input, custom, updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "lead.updated", { type: "lead", id }, changes);
  });
}

export async function deleteLead(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("leads").where("id", "=", id).returning(["name"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "lead.deleted", { type: "lead", id }, { name: gone.name });
  });
}

// ---- The list ----

const day = z.preprocess(
  blankToNull,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Enter a date as YYYY-MM-DD." })
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), { error: "That date does not exist." })
    .nullable(),
);

export const LeadFiltersSchema = z
  .object({
    q: optionalText(200),
    status: z.preprocess(blankToNull, z.enum(LEAD_STATUSES as [LeadStatus, ...LeadStatus[]], { error: "Choose one of the statuses listed." }).nullable()),
    owner: z.preprocess(blankToNull, z.string().refine((v) => v === "none" || isUuid(v), { error: "Choose an owner from the list." }).nullable()),
    source: optionalText(100),
    created_from: day,
    created_to: day,
    sort: z.preprocess((v) => (v === undefined || v === "" ? "created" : v), z.enum(["created", "name"], { error: "Sort by created or name." })),
    dir: z.preprocess(blankToNull, z.enum(["asc", "desc"], { error: "Sort ascending or descending." }).nullable()),
    cursor: z.preprocess(blankToNull, z.string().max(500).nullable()),
  })
  .superRefine((f, c) => {
    if (f.created_from && f.created_to && f.created_to < f.created_from) c.addIssue({ code: "custom", path: ["created_to"], message: "The end date is before the start date." });
  });
export type LeadFilters = z.output<typeof LeadFiltersSchema>;
export const LEAD_FILTER_KEYS = ["q", "status", "owner", "source", "created_from", "created_to", "sort", "dir"] as const;

export interface LeadRow {
  id: string;
  name: string;
  email: string | null;
  company_name: string | null;
  status: LeadStatus;
  source: string | null;
  owner_name: string | null;
  created_at: Date;
  converted_at: Date | null;
  converted_contact_id: string | null;
  /** The values of the first custom fields (the list's custom columns). */
  custom: CustomValues;
}

export interface LeadPage {
  filters: LeadFilters;
  rows: LeadRow[];
  /** The cursor for the next page; null on the last one. */
  next: string | null;
}

const BAD_CURSOR = "That page link is not valid any more; start again from the first page.";
const encodeCursor = (key: string, id: string) => Buffer.from(JSON.stringify([key, id])).toString("base64url");

function decodeCursor(cursor: string, sort: "created" | "name"): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && isUuid(v[1]) && v[0].length <= 400) {
      if (sort === "name" || !Number.isNaN(Date.parse(v[0]))) return [v[0], v[1]];
    }
  } catch {
    // fall through: any malformed cursor gets the same message
  }
  throw new Invalid({ cursor: BAD_CURSOR });
}

/** Leads, 50 a page, keyset-paginated on (sort key, id) so a page deep in the list costs the same as the first. */
export async function listLeads(ctx: Ctx, values: Record<string, string | undefined>, limit = PAGE_SIZE): Promise<LeadPage> {
  authorize(ctx, "records.view");
  const r = LeadFiltersSchema.safeParse(values);
  if (!r.success) {
    const errors: Record<string, string> = {};
    for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
    throw new Invalid(errors);
  }
  const f = r.data;
  const dir = f.dir ?? (f.sort === "name" ? "asc" : "desc");
  const after = f.cursor ? decodeCursor(f.cursor, f.sort) : null;
  return inTransaction(ctx, async (tx) => {
    // The sort key as text, exactly as Postgres holds it (microseconds included), so the cursor never skips a row.
    const key = f.sort === "name" ? sql<string>`l.name_key` : sql<string>`to_json(l.created_at) #>> '{}'`;
    const col = f.sort === "name" ? sql`l.name_key` : sql`l.created_at`;
    const custom = customListQuery(await customFieldsFor(tx, "lead"), "l", values);
    let q = tx.db
      .selectFrom("leads as l")
      .leftJoin("users as u", "u.id", "l.owner_id")
      .select(["l.id", "l.name", "l.email", "l.company_name", "l.status", "l.source", "u.name as owner_name", "l.created_at", "l.converted_at", "l.converted_contact_id", custom.column.as("custom")])
      .select(key.as("sort_key"))
      .where("l.tenant_id", "=", tx.tenantId!);
    const tsq = f.q ? searchQuery(f.q) : null;
    if (tsq) q = q.where(await searchFilter(tx, "leads", "l", tsq));
    if (f.status) q = q.where("l.status", "=", f.status);
    if (f.owner === "none") q = q.where("l.owner_id", "is", null);
    else if (f.owner) q = q.where("l.owner_id", "=", f.owner);
    if (f.source) q = q.where(sql<boolean>`lower(l.source) = lower(${f.source})`);
    for (const w of custom.where) q = q.where(w);
    if (f.created_from) q = q.where("l.created_at", ">=", new Date(`${f.created_from}T00:00:00Z`));
    if (f.created_to) q = q.where("l.created_at", "<", new Date(Date.parse(`${f.created_to}T00:00:00Z`) + 86_400_000));
    if (after) {
      const typed = f.sort === "name" ? sql`${after[0]}::text` : sql`${after[0]}::timestamptz`;
      q = dir === "asc" ? q.where(sql<boolean>`(${col}, l.id) > (${typed}, ${after[1]}::uuid)`) : q.where(sql<boolean>`(${col}, l.id) < (${typed}, ${after[1]}::uuid)`);
    }
    const rows = await q.orderBy(col, dir).orderBy("l.id", dir).limit(limit + 1).execute();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      filters: f,
      rows: page.map(({ sort_key: _k, ...row }) => row),
      next: more && last ? encodeCursor(last.sort_key, last.id) : null,
    };
  });
}

/** The members a lead can be assigned to (the list filter shows them to every role; forms need records.edit). */
export async function leadOwners(ctx: Ctx, purpose: "filter" | "form"): Promise<{ id: string; name: string }[]> {
  authorize(ctx, purpose === "form" ? "records.edit" : "records.view");
  return inTransaction(ctx, (tx) => memberOptions(tx));
}

/** A lead's editable fields as form values. */
export function leadFormValues(lead: LeadRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of EDITABLE) out[k] = (lead[k] as string | null) ?? "";
  return out;
}
