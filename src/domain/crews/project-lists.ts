import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { containsPattern, CREWS_PAGE_SIZE, decodeAfter, encodeAfter, isUuid, parseForm } from "./people-common.ts";
import { PROJECT_STATUSES } from "./projects.ts";
import type { ProjectStatus } from "./tables.ts";

// The projects list: 50 a page by name (keyset on name_key, id), filtered by status and region, searched by name,
// number or customer.

export const ProjectFiltersSchema = z.object({
  q: z.string().trim().max(200, { error: "Search for at most 200 characters." }).optional(),
  status: z.preprocess((v) => (v === "" ? undefined : v), z.enum(PROJECT_STATUSES, { error: "Choose a status from the list." }).optional()),
  region: z
    .string()
    .trim()
    .refine((v) => v === "" || v === "none" || isUuid(v), { error: "Choose a region from the list." })
    .optional(),
  after: z.string().max(1000).optional(),
});
export const PROJECT_FILTER_KEYS = ["q", "status", "region", "after"] as const;

export interface ProjectRow {
  id: string;
  name: string;
  number: string | null;
  customer: string | null;
  region_name: string | null;
  starts_on: string | null;
  ends_on: string | null;
  status: ProjectStatus;
  color: string;
  manager_name: string | null;
}

export async function listProjects(ctx: Ctx, values: Record<string, string>, limit = CREWS_PAGE_SIZE): Promise<{ rows: ProjectRow[]; next: string | null }> {
  authorize(ctx, "records.view");
  const f = parseForm(ProjectFiltersSchema, values);
  const after = decodeAfter(f.after || undefined);
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom("crew_projects as p")
      .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "p.tenant_id").onRef("r.id", "=", "p.region_id"))
      .leftJoin("users as u", "u.id", "p.manager_id")
      .select(["p.id", "p.name", "p.name_key", "p.number", "p.customer", "r.name as region_name", "p.status", "p.color", "u.name as manager_name"])
      .select([sql<string | null>`p.starts_on::text`.as("starts_on"), sql<string | null>`p.ends_on::text`.as("ends_on")])
      .where("p.tenant_id", "=", tx.tenantId!);
    if (f.q) {
      const like = containsPattern(f.q);
      q = q.where(sql<boolean>`(p.name_key like ${like} or p.number_key like ${like} or lower(p.customer) like ${like})`);
    }
    if (f.status) q = q.where("p.status", "=", f.status);
    if (f.region === "none") q = q.where("p.region_id", "is", null);
    else if (f.region) q = q.where("p.region_id", "=", f.region);
    if (after) q = q.where(sql<boolean>`(p.name_key, p.id) > (${after[0]}, ${after[1]}::uuid)`);
    const rows = await q.orderBy("p.name_key").orderBy("p.id").limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { rows: page.map(({ name_key: _k, ...r }) => r), next: rows.length > limit && last ? encodeAfter(last.name_key, last.id) : null };
  });
}
