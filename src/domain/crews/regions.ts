import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { isUuid, OPTIONS_CAP, parseForm, requiredText } from "./people-common.ts";

// Regions group employees and projects (filters, analytics). A region in use cannot be deleted: the page says
// which records use it instead of letting the foreign key fail.

export const RegionSchema = z.object({ name: requiredText(100, "Enter the region's name.") });

export interface RegionRow {
  id: string;
  name: string;
  employees: number;
  projects: number;
}

/** Every region with how many employees and projects use it (capped: a contractor has a handful). */
export async function listRegions(ctx: Ctx): Promise<RegionRow[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const r = await sql<RegionRow>`
      select r.id, r.name,
        (select count(*)::int from crew_employees e where e.tenant_id = r.tenant_id and e.region_id = r.id) as employees,
        (select count(*)::int from crew_projects p where p.tenant_id = r.tenant_id and p.region_id = r.id) as projects
      from crew_regions r where r.tenant_id = ${tx.tenantId} order by r.name_key, r.id limit ${OPTIONS_CAP}`.execute(tx.db);
    return r.rows;
  });
}

/** The regions for a select, by name. */
export async function regionOptions(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_regions").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).orderBy("name_key").orderBy("id").limit(OPTIONS_CAP).execute(),
  );
}

export async function getRegion(ctx: Ctx, id: string): Promise<{ id: string; name: string }> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("crew_regions").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

async function assertNameFree(tx: Ctx, name: string, except: string | null): Promise<void> {
  let q = tx.db.selectFrom("crew_regions").select("id").where("tenant_id", "=", tx.tenantId!).where("name_key", "=", name.toLowerCase());
  if (except) q = q.where("id", "<>", except);
  if (await q.executeTakeFirst()) throw new Invalid({ name: "A region with this name exists already." });
}

/** The region of this workspace with this id, for a select's value; anything else is a field message. */
export async function assertRegion(tx: Ctx, regionId: string | null, field = "region_id"): Promise<void> {
  if (!regionId) return;
  const ok = isUuid(regionId) && (await tx.db.selectFrom("crew_regions").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", regionId).executeTakeFirst());
  if (!ok) throw new Invalid({ [field]: "Choose a region from the list." });
}

export async function createRegion(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseForm(RegionSchema, values);
  return inTransaction(ctx, async (tx) => {
    await assertNameFree(tx, input.name, null);
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("crew_regions").values({ tenant_id: tx.tenantId!, id, name: input.name, created_at: tx.now }).execute();
    await audit(tx, "region.created", { type: "region", id }, { name: input.name });
    return id;
  });
}

export async function renameRegion(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("crew_regions").select("name").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const input = parseForm(RegionSchema, values);
    if (input.name === before.name) return;
    await assertNameFree(tx, input.name, id);
    await tx.db.updateTable("crew_regions").set({ name: input.name }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "region.updated", { type: "region", id }, { name: { from: before.name, to: input.name } });
  });
}

/** Deletes a region no employee or project uses; otherwise a Conflict that says how many do. */
export async function deleteRegion(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const region = await tx.db.selectFrom("crew_regions").select("name").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!region) throw new NotFound();
    const [used] = (
      await sql<{ employees: number; projects: number }>`
        select (select count(*)::int from crew_employees where tenant_id = ${tx.tenantId} and region_id = ${id}) as employees,
               (select count(*)::int from crew_projects where tenant_id = ${tx.tenantId} and region_id = ${id}) as projects`.execute(tx.db)
    ).rows;
    if (used && (used.employees || used.projects)) {
      const parts = [used.employees && `${used.employees} employee${used.employees === 1 ? "" : "s"}`, used.projects && `${used.projects} project${used.projects === 1 ? "" : "s"}`].filter(Boolean);
      throw new Conflict(`The region “${region.name}” is used by ${parts.join(" and ")}. Move them to another region first.`);
    }
    await tx.db.deleteFrom("crew_regions").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "region.deleted", { type: "region", id }, { name: region.name });
  });
}
