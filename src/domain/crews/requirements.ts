import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, isDay, isUuid, OPTIONS_CAP, optionalText, parseForm } from "./people-common.ts";
import { tradeKey } from "./projection-math.ts";

// Required headcount per project and trade over date ranges (issue 7, item 3): the input of the projections.

/** A project's page lists at most this many requirements (oldest start first); the page says when there are more. */
export const REQUIREMENTS_CAP = 200;

const day = (missing: string) => z.string({ error: missing }).trim().min(1, { error: missing }).refine(isDay, { error: "Enter a date as YYYY-MM-DD." });

export const RequirementSchema = z
  .object({
    trade: z.string({ error: "Enter a trade." }).trim().min(1, { error: "Enter a trade." }).max(50, { error: "Keep the trade under 50 characters." }),
    headcount: z
      .string({ error: "Enter how many people." })
      .trim()
      .regex(/^\d{1,5}$/, { error: "Enter a whole number of people, 1 to 10,000." })
      .transform(Number)
      .refine((n) => n >= 1 && n <= 10_000, { error: "Enter a whole number of people, 1 to 10,000." }),
    starts_on: day("Enter the first day."),
    ends_on: day("Enter the last day."),
    note: optionalText(500),
  })
  .refine((v) => v.ends_on >= v.starts_on, { error: "The last day cannot be before the first.", path: ["ends_on"] });
export type RequirementInput = z.output<typeof RequirementSchema>;

export interface RequirementRow {
  id: string;
  trade: string;
  headcount: number;
  starts_on: string;
  ends_on: string;
  note: string | null;
}

export interface ProjectHead {
  id: string;
  name: string;
  number: string | null;
  status: string;
}

const FIELDS = ["trade", "headcount", "starts_on", "ends_on", "note"] as const;
const columns = ["id", "trade", "headcount", sql<string>`starts_on::text`.as("starts_on"), sql<string>`ends_on::text`.as("ends_on"), "note"] as const;

async function projectHead(tx: Ctx, projectId: string): Promise<ProjectHead> {
  if (!isUuid(projectId)) throw new NotFound();
  const p = await tx.db.selectFrom("crew_projects").select(["id", "name", "number", "status"]).where("id", "=", projectId).executeTakeFirst();
  if (!p) throw new NotFound();
  return p;
}

/** A project with its requirements, earliest first (capped), and the trades to choose from. */
export async function listRequirements(ctx: Ctx, projectId: string): Promise<{ project: ProjectHead; rows: RequirementRow[]; more: boolean; trades: string[] }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const project = await projectHead(tx, projectId);
    const rows = await tx.db
      .selectFrom("crew_requirements")
      .select([...columns])
      .where("project_id", "=", project.id)
      .orderBy("starts_on")
      .orderBy("id")
      .limit(REQUIREMENTS_CAP + 1)
      .execute();
    return { project, rows: rows.slice(0, REQUIREMENTS_CAP), more: rows.length > REQUIREMENTS_CAP, trades: await tradeNames(tx) };
  });
}

/** The trades in use (employees' first, then requirements'), for the form's suggestions. */
export async function tradeNames(ctx: Ctx): Promise<string[]> {
  return inTransaction(ctx, async (tx) => {
    const r = await sql<{ name: string }>`
      select min(trade) as name from (select trade from crew_employees union all select trade from crew_requirements) t
      group by lower(trade) order by 1 limit 100`.execute(tx.db);
    return r.rows.map((x) => x.name);
  });
}

export async function getRequirement(ctx: Ctx, projectId: string, id: string): Promise<{ project: ProjectHead; requirement: RequirementRow; trades: string[] }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const project = await projectHead(tx, projectId);
    return { project, requirement: await findRequirement(tx, project.id, id), trades: await tradeNames(tx) };
  });
}

async function findRequirement(tx: Ctx, projectId: string, id: string, lock = false): Promise<RequirementRow> {
  if (!isUuid(id)) throw new NotFound();
  let q = tx.db.selectFrom("crew_requirements").select([...columns]).where("project_id", "=", projectId).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return row;
}

/** Spells a trade the way the workspace's employees do ("finisher" → "Finisher"), so one trade stays one row. */
async function canonicalTrade(tx: Ctx, trade: string): Promise<string> {
  const known = await tx.db.selectFrom("crew_employees").select(sql<string>`min(trade)`.as("name")).where(sql<string>`lower(trade)`, "=", tradeKey(trade)).executeTakeFirst();
  return known?.name ?? trade;
}

export async function createRequirement(ctx: Ctx, projectId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    const project = await projectHead(tx, projectId);
    const input = parseForm(RequirementSchema, values);
    const id = Bun.randomUUIDv7();
    const row = { ...input, trade: await canonicalTrade(tx, input.trade) };
    await tx.db
      .insertInto("crew_requirements")
      .values({ tenant_id: tx.tenantId!, id, project_id: project.id, ...row, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now })
      .execute();
    await audit(tx, "requirement.created", { type: "requirement", id }, { project_id: project.id, ...row });
    return id;
  });
}

export async function updateRequirement(ctx: Ctx, projectId: string, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const project = await projectHead(tx, projectId);
    const before = await findRequirement(tx, project.id, id, true);
    const input = parseForm(RequirementSchema, values);
    const after = { ...input, trade: await canonicalTrade(tx, input.trade) };
    const changes = diff<Omit<RequirementRow, "id">>(before, after, [...FIELDS]);
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("crew_requirements").set({ ...after, updated_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "requirement.updated", { type: "requirement", id }, changes);
  });
}

export async function deleteRequirement(ctx: Ctx, projectId: string, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const project = await projectHead(tx, projectId);
    const before = await findRequirement(tx, project.id, id, true);
    await tx.db.deleteFrom("crew_requirements").where("id", "=", id).execute();
    await audit(tx, "requirement.deleted", { type: "requirement", id }, { project_id: project.id, trade: before.trade, headcount: before.headcount, starts_on: before.starts_on, ends_on: before.ends_on });
  });
}

/** Form values of a saved requirement, for its edit form. */
export const requirementValues = (r: RequirementRow): Record<string, string> => ({
  trade: r.trade,
  headcount: String(r.headcount),
  starts_on: r.starts_on,
  ends_on: r.ends_on,
  note: r.note ?? "",
});


/** Projects whose requirements count (active, bids), by name, for the projections page's "open requirements". */
export async function requirementProjects(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_projects").select(["id", "name"]).where("status", "in", ["active", "bid"]).orderBy("name_key").orderBy("id").limit(OPTIONS_CAP).execute(),
  );
}
