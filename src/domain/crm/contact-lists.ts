import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { parseForm } from "./companies.ts";
import { assignOwners, ownerFilter, type BulkInput } from "./company-lists.ts";
import { contactName } from "./contacts.ts";
import { customFieldsFor, customListQuery, type CustomValues } from "./custom-fields.ts";
import { afterCursor, cursorField, decodeCursor, encodeCursor, type SortSpec } from "./list-cursor.ts";
import { isUuid, PAGE_SIZE, searchFilter, searchQuery } from "./shared.ts";

const lastName = [
  { expr: sql`k.last_key`, kind: "text" },
  { expr: sql`k.first_key`, kind: "text" },
  { expr: sql`k.id`, kind: "uuid" },
] as const;
const created = [
  { expr: sql`k.created_at`, kind: "time" },
  { expr: sql`k.id`, kind: "uuid" },
] as const;

export const CONTACT_SORTS = {
  name: { desc: false, keys: [...lastName] },
  "-name": { desc: true, keys: [...lastName] },
  created: { desc: false, keys: [...created] },
  "-created": { desc: true, keys: [...created] },
} satisfies Record<string, SortSpec>;
export type ContactSort = keyof typeof CONTACT_SORTS;

const emptyIsUndefined = (v: unknown) => (v === "" ? undefined : v);

export const ContactFiltersSchema = z.object({
  q: z.string().trim().max(200, { error: "Search for at most 200 characters." }).optional(),
  sort: z.preprocess(emptyIsUndefined, z.enum(Object.keys(CONTACT_SORTS) as [ContactSort, ...ContactSort[]], { error: "Choose a sort order from the list." }).default("name")),
  owner: ownerFilter,
  company: z
    .string()
    .trim()
    .refine((v) => v === "" || isUuid(v), { error: "That company link is not valid." })
    .transform((v) => v || undefined)
    .optional(),
  after: cursorField,
});
export type ContactFilters = z.output<typeof ContactFiltersSchema>;
export const CONTACT_FILTER_KEYS = ["q", "sort", "owner", "company", "after"] as const;

export interface ContactRow {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  company_id: string | null;
  company_name: string | null;
  owner_name: string | null;
  /** The values of the first custom fields (the list's custom columns). */
  custom: CustomValues;
}

/** One page of contacts: 50 rows in a whitelisted keyset order, filtered and searched; `next` is the cursor. */
export async function listContacts(
  ctx: Ctx,
  values: Record<string, string>,
  limit = PAGE_SIZE,
): Promise<{ filters: ContactFilters; rows: ContactRow[]; next: string | null; company: { id: string; name: string } | null }> {
  authorize(ctx, "records.view");
  const f = parseForm(ContactFiltersSchema, values);
  const spec: SortSpec = CONTACT_SORTS[f.sort];
  const after = f.after ? decodeCursor(f.after, f.sort, spec) : null;
  return inTransaction(ctx, async (tx) => {
    const custom = customListQuery(await customFieldsFor(tx, "contact"), "k", values);
    let q = tx.db
      .selectFrom("contacts as k")
      .leftJoin("companies as co", (j) => j.onRef("co.tenant_id", "=", "k.tenant_id").onRef("co.id", "=", "k.company_id"))
      .leftJoin("users as u", "u.id", "k.owner_id")
      .select(["k.id", "k.first_name", "k.last_name", "k.company_id", "co.name as company_name", "u.name as owner_name", custom.column.as("custom")])
      .select([sql<string | null>`k.emails[1]`.as("email"), sql<string | null>`k.phones[1]`.as("phone")])
      .select(sql<string[]>`array[${sql.join(spec.keys.map((k) => sql`${k.expr}::text`))}]`.as("sort_key"))
      .where("k.tenant_id", "=", tx.tenantId!);
    // Phone-like searches match phones by digits too (searchQuery).
    const tsq = f.q ? searchQuery(f.q) : null;
    if (tsq) q = q.where(await searchFilter(tx, "contacts", "k", tsq));
    if (f.owner === "none") q = q.where("k.owner_id", "is", null);
    else if (f.owner) q = q.where("k.owner_id", "=", f.owner);
    if (f.company) q = q.where("k.company_id", "=", f.company);
    for (const w of custom.where) q = q.where(w);
    if (after) q = q.where(afterCursor(spec, after));
    for (const k of spec.keys) q = q.orderBy(k.expr, spec.desc ? "desc" : "asc");
    const rows = await q.limit(limit + 1).execute();
    const company = f.company
      ? ((await tx.db.selectFrom("companies").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", f.company).executeTakeFirst()) ?? null)
      : null;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      filters: f,
      company,
      rows: page.map(({ sort_key: _k, ...row }) => row),
      next: rows.length > limit && last ? encodeCursor(f.sort, last.sort_key) : null,
    };
  });
}

/**
 * Assigns an owner to, or deletes, the selected contacts in one transaction, one audit event each. Ids that are not
 * this workspace's contacts are ignored. Returns how many changed.
 */
export async function bulkContacts(ctx: Ctx, input: BulkInput): Promise<number> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    if (input.ids.length === 0) return 0;
    if (input.action === "delete") {
      const gone = await tx.db
        .deleteFrom("contacts")
        .where("tenant_id", "=", tx.tenantId!)
        .where("id", "in", input.ids)
        .returning(["id", "first_name", "last_name"])
        .execute();
      for (const g of gone) await audit(tx, "contact.deleted", { type: "contact", id: g.id }, { name: contactName(g) });
      return gone.length;
    }
    return assignOwners(tx, "contacts", "contact", input.ids, input.owner_id);
  });
}
