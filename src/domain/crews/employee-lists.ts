import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { containsPattern, CREWS_PAGE_SIZE, decodeAfter, encodeAfter, isUuid, parseForm } from "./people-common.ts";
import { today } from "./employees.ts";

// The employees list: 50 a page by name (keyset on name_key, id), filtered by region, trade, foreman and active,
// searched by name.

const choice = (message: string) =>
  z
    .string()
    .trim()
    .refine((v) => v === "" || v === "none" || isUuid(v), { error: message })
    .optional();

export const EmployeeFiltersSchema = z.object({
  q: z.string().trim().max(200, { error: "Search for at most 200 characters." }).optional(),
  region: choice("Choose a region from the list."),
  foreman: choice("Choose a foreman from the list."),
  trade: z.string().trim().max(50, { error: "Choose a trade from the list." }).optional(),
  active: z.enum(["", "yes", "no"], { error: "Choose active, inactive or everyone." }).optional(),
  after: z.string().max(1000).optional(),
});
export const EMPLOYEE_FILTER_KEYS = ["q", "region", "foreman", "trade", "active", "after"] as const;

export interface EmployeeRow {
  id: string;
  name: string;
  trade: string;
  foreman_id: string | null;
  foreman_name: string | null;
  region_name: string | null;
  phone: string | null;
  email: string | null;
  active: boolean;
  /** Certifications past their expiry date. */
  expired: number;
}

export async function listEmployees(ctx: Ctx, values: Record<string, string>, limit = CREWS_PAGE_SIZE): Promise<{ rows: EmployeeRow[]; next: string | null }> {
  authorize(ctx, "records.view");
  const f = parseForm(EmployeeFiltersSchema, values);
  const after = decodeAfter(f.after || undefined);
  return inTransaction(ctx, async (tx) => {
    const t = tx.tenantId!;
    let q = tx.db
      .selectFrom("crew_employees as e")
      .leftJoin("crew_employees as f", (j) => j.onRef("f.tenant_id", "=", "e.tenant_id").onRef("f.id", "=", "e.foreman_id"))
      .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "e.tenant_id").onRef("r.id", "=", "e.region_id"))
      .select(["e.id", "e.name", "e.name_key", "e.trade", "e.foreman_id", "f.name as foreman_name", "r.name as region_name", "e.phone", "e.email", "e.active"])
      .select(sql<number>`(select count(*)::int from crew_certifications c where c.tenant_id = e.tenant_id and c.employee_id = e.id and c.expires_on < ${today(tx)}::date)`.as("expired"))
      .where("e.tenant_id", "=", t);
    if (f.q) q = q.where(sql<boolean>`e.name_key like ${containsPattern(f.q)}`);
    if (f.region === "none") q = q.where("e.region_id", "is", null);
    else if (f.region) q = q.where("e.region_id", "=", f.region);
    if (f.foreman === "none") q = q.where("e.foreman_id", "is", null);
    else if (f.foreman) q = q.where("e.foreman_id", "=", f.foreman);
    if (f.trade) q = q.where(sql<boolean>`lower(e.trade) = ${f.trade.toLowerCase()}`);
    if (f.active === "yes") q = q.where("e.active", "=", true);
    if (f.active === "no") q = q.where("e.active", "=", false);
    if (after) q = q.where(sql<boolean>`(e.name_key, e.id) > (${after[0]}, ${after[1]}::uuid)`);
    const rows = await q.orderBy("e.name_key").orderBy("e.id").limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { rows: page.map(({ name_key: _k, ...r }) => r), next: rows.length > limit && last ? encodeAfter(last.name_key, last.id) : null };
  });
}
