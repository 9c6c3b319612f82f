import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { CompanySize } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { Invalid } from "../errors.ts";
import { COMPANY_SIZES, issueErrors, parseForm } from "./companies.ts";
import { customFieldsFor, customListQuery, type CustomValues } from "./custom-fields.ts";
import { afterCursor, cursorField, decodeCursor, encodeCursor, type SortSpec } from "./list-cursor.ts";
import { assertOwner, isUuid, PAGE_SIZE, searchFilter, searchQuery } from "./shared.ts";

/** The owner filter: anyone (empty), nobody ("none"), or one member. */
export const ownerFilter = z
  .string()
  .trim()
  .refine((v) => v === "" || v === "none" || isUuid(v), { error: "Choose an owner from the list." })
  .transform((v) => v || undefined)
  .optional();

const emptyIsUndefined = (v: unknown) => (v === "" ? undefined : v);

export const COMPANY_SORTS = {
  name: { desc: false, keys: [{ expr: sql`c.name_key`, kind: "text" }, { expr: sql`c.id`, kind: "uuid" }] },
  "-name": { desc: true, keys: [{ expr: sql`c.name_key`, kind: "text" }, { expr: sql`c.id`, kind: "uuid" }] },
  created: { desc: false, keys: [{ expr: sql`c.created_at`, kind: "time" }, { expr: sql`c.id`, kind: "uuid" }] },
  "-created": { desc: true, keys: [{ expr: sql`c.created_at`, kind: "time" }, { expr: sql`c.id`, kind: "uuid" }] },
} satisfies Record<string, SortSpec>;
export type CompanySort = keyof typeof COMPANY_SORTS;

export const CompanyFiltersSchema = z.object({
  q: z.string().trim().max(200, { error: "Search for at most 200 characters." }).optional(),
  sort: z.preprocess(emptyIsUndefined, z.enum(Object.keys(COMPANY_SORTS) as [CompanySort, ...CompanySort[]], { error: "Choose a sort order from the list." }).default("name")),
  owner: ownerFilter,
  size: z.preprocess(emptyIsUndefined, z.enum(COMPANY_SIZES, { error: "Choose a size from the list." }).optional()),
  after: cursorField,
});
export type CompanyFilters = z.output<typeof CompanyFiltersSchema>;
export const COMPANY_FILTER_KEYS = ["q", "sort", "owner", "size", "after"] as const;

export interface CompanyRow {
  id: string;
  name: string;
  domain: string | null;
  industry: string | null;
  size: CompanySize | null;
  owner_name: string | null;
  contacts: number;
  /** The values of the first custom fields (the list's custom columns). */
  custom: CustomValues;
}

/** One page of companies: 50 rows in a whitelisted keyset order, filtered and searched; `next` is the cursor. */
export async function listCompanies(ctx: Ctx, values: Record<string, string>, limit = PAGE_SIZE): Promise<{ filters: CompanyFilters; rows: CompanyRow[]; next: string | null }> {
  authorize(ctx, "records.view");
  const f = parseForm(CompanyFiltersSchema, values);
  const spec = COMPANY_SORTS[f.sort];
  const after = f.after ? decodeCursor(f.after, f.sort, spec) : null;
  return inTransaction(ctx, async (tx) => {
    const custom = customListQuery(await customFieldsFor(tx, "company"), "c", values);
    let q = tx.db
      .selectFrom("companies as c")
      .leftJoin("users as u", "u.id", "c.owner_id")
      .select(["c.id", "c.name", "c.domain", "c.industry", "c.size", "u.name as owner_name", custom.column.as("custom")])
      .select(sql<number>`(select count(*)::int from contacts k where k.tenant_id = c.tenant_id and k.company_id = c.id)`.as("contacts"))
      .select(sql<string[]>`array[${sql.join(spec.keys.map((k) => sql`${k.expr}::text`))}]`.as("sort_key"))
      .where("c.tenant_id", "=", tx.tenantId!);
    const tsq = f.q ? searchQuery(f.q) : null;
    if (tsq) q = q.where(await searchFilter(tx, "companies", "c", tsq));
    if (f.owner === "none") q = q.where("c.owner_id", "is", null);
    else if (f.owner) q = q.where("c.owner_id", "=", f.owner);
    if (f.size) q = q.where("c.size", "=", f.size);
    for (const w of custom.where) q = q.where(w);
    if (after) q = q.where(afterCursor(spec, after));
    for (const k of spec.keys) q = q.orderBy(k.expr, spec.desc ? "desc" : "asc");
    const rows = await q.limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      filters: f,
      rows: page.map(({ sort_key: _k, ...row }) => row),
      next: rows.length > limit && last ? encodeCursor(f.sort, last.sort_key) : null,
    };
  });
}

export const BULK_CAP = 500;

/** A bulk action on a selection: the checked ids (repeated `ids` fields), the action, and the new owner. */
export const BulkSchema = z
  .object({
    ids: z.preprocess(
      (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
      z.array(z.string({ error: "Select rows from the list." }).max(100)).min(1, { error: "Select at least one row first." }).max(BULK_CAP, { error: `Select at most ${BULK_CAP} rows at a time.` }),
    ),
    action: z.enum(["assign", "delete"], { error: "Choose an action." }),
    owner_id: z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().max(100).nullable()),
  })
  .transform((b) => ({ ...b, ids: [...new Set(b.ids.filter(isUuid).map((id) => id.toLowerCase()))] }));
export type BulkInput = z.output<typeof BulkSchema>;

/** The form body as parseBody({ all: true }) gives it: repeated fields are arrays. */
export function parseBulk(body: Record<string, unknown>): BulkInput {
  const one = (k: string) => (typeof body[k] === "string" ? body[k] : undefined);
  const r = BulkSchema.safeParse({ ids: body.ids, action: one("action"), owner_id: one("owner_id") });
  if (r.success) return r.data;
  throw new Invalid(issueErrors(r.error));
}

/**
 * Assigns an owner to, or deletes, the selected companies in one transaction, one audit event each. Ids that are not
 * this workspace's companies are ignored (row-level security would hide them anyway). Returns how many changed.
 */
export async function bulkCompanies(ctx: Ctx, input: BulkInput): Promise<number> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    if (input.ids.length === 0) return 0;
    if (input.action === "delete") {
      const gone = await tx.db.deleteFrom("companies").where("tenant_id", "=", tx.tenantId!).where("id", "in", input.ids).returning(["id", "name"]).execute();
      for (const g of gone) await audit(tx, "company.deleted", { type: "company", id: g.id }, { name: g.name });
      return gone.length;
    }
    return assignOwners(tx, "companies", "company", input.ids, input.owner_id);
  });
}

/**
 * Bulk "assign to owner" for any CRM object, inside the caller's transaction: the new owner must be a member; ids
 * that are not this workspace's records are ignored; only records whose owner changes are written, each with one
 * "<type>.updated" event holding the owner before and after. Returns how many changed.
 */
export async function assignOwners(tx: Ctx, table: "companies" | "contacts" | "leads" | "deals", type: string, ids: string[], ownerId: string | null): Promise<number> {
  await assertOwner(tx, ownerId);
  if (ids.length === 0) return 0;
  const before = await tx.db
    .selectFrom(table)
    .select(["id", "owner_id"])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "in", ids)
    .where(sql<boolean>`owner_id is distinct from ${ownerId}::uuid`)
    .forUpdate()
    .execute();
  if (before.length === 0) return 0;
  await tx.db
    .updateTable(table)
    .set({ owner_id: ownerId, updated_at: tx.now })
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "in", before.map((b) => b.id))
    .execute();
  for (const b of before) await audit(tx, `${type}.updated`, { type, id: b.id }, { owner_id: { from: b.owner_id, to: ownerId } });
  return before.length;
}
