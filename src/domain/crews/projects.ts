import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { assertOwner } from "../crm/shared.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, idField, isUuid, optionalDay, optionalText, OPTIONS_CAP, parseForm, requiredText, setFields } from "./people-common.ts";
import { assertRegion } from "./regions.ts";
import type { ProjectStatus } from "./tables.ts";

// Projects crews work on: where (address and coordinates, for the weather), when, for whom, in which state, in
// which colour on the schedule, and who manages it (a workspace member: weather emails go to them).

export const PROJECT_STATUSES = ["bid", "active", "on_hold", "complete"] as const satisfies readonly ProjectStatus[];
export const STATUS_LABELS: Record<ProjectStatus, string> = { bid: "Bid", active: "Active", on_hold: "On hold", complete: "Complete" };
export const DEFAULT_COLOR = "#1f77b4";

const blank = (v: unknown) => (typeof v === "string" ? v.trim() : v);
const coordinate = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? null : v.trim()) : (v ?? null)),
    z
      .string()
      .regex(/^-?\d{1,3}(\.\d{1,8})?$/, { error: `Enter the ${what} in decimal degrees, e.g. ${min < -90 ? "-122.4194" : "37.7749"}.` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { error: `The ${what} must be between ${min} and ${max}.` })
      .nullable(),
  );

export const ProjectSchema = z
  .object({
    name: requiredText(200, "Enter the project's name."),
    number: optionalText(50),
    customer: optionalText(200),
    region_id: idField("Choose a region from the list."),
    address: optionalText(500),
    latitude: coordinate(-90, 90, "latitude"),
    longitude: coordinate(-180, 180, "longitude"),
    starts_on: optionalDay,
    ends_on: optionalDay,
    status: z.preprocess((v) => blank(v) || "active", z.enum(PROJECT_STATUSES, { error: "Choose a status from the list." })),
    color: z.preprocess((v) => (typeof v === "string" ? v.trim().toLowerCase() || DEFAULT_COLOR : DEFAULT_COLOR), z.string().regex(/^#[0-9a-f]{6}$/, { error: "Enter a colour as #rrggbb, e.g. #1f77b4." })),
    manager_id: idField("Choose a member of this workspace."),
  })
  .superRefine((p, ctx) => {
    if (p.starts_on && p.ends_on && p.starts_on > p.ends_on) ctx.addIssue({ code: "custom", path: ["ends_on"], message: "The end must be on or after the start." });
    if ((p.latitude === null) !== (p.longitude === null)) {
      ctx.addIssue({ code: "custom", path: [p.latitude === null ? "latitude" : "longitude"], message: "Enter both latitude and longitude, or neither." });
    }
  });
export type ProjectInput = z.output<typeof ProjectSchema>;
const FIELDS = ["name", "number", "customer", "region_id", "address", "latitude", "longitude", "starts_on", "ends_on", "status", "color", "manager_id"] as const;

export const ContactSchema = z.object({
  contact_name: requiredText(200, "Enter the contact's name."),
  contact_email: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().min(1, { error: "Enter the contact's email address." }).max(254).pipe(z.email({ error: "Enter an email address like name@example.com." }))).transform((e) => e.toLowerCase()),
});

export interface ProjectView {
  id: string;
  name: string;
  number: string | null;
  customer: string | null;
  region_id: string | null;
  region_name: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  starts_on: string | null;
  ends_on: string | null;
  status: ProjectStatus;
  color: string;
  manager_id: string | null;
  manager_name: string | null;
  created_at: Date;
  updated_at: Date;
  contacts: { id: string; name: string; email: string }[];
}

const num = (v: string | null) => (v === null ? null : Number(v));

/** The stored fields of a project, in the form's terms (numbers as numbers, dates as YYYY-MM-DD). */
async function storedFields(tx: Ctx, id: string, lock: boolean) {
  let q = tx.db
    .selectFrom("crew_projects")
    .select(["name", "number", "customer", "region_id", "address", "latitude", "longitude", "status", "color", "manager_id"])
    .select([sql<string | null>`starts_on::text`.as("starts_on"), sql<string | null>`ends_on::text`.as("ends_on")])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && { ...row, latitude: num(row.latitude), longitude: num(row.longitude) };
}

export async function getProject(ctx: Ctx, id: string): Promise<ProjectView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom("crew_projects as p")
      .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "p.tenant_id").onRef("r.id", "=", "p.region_id"))
      .leftJoin("users as u", "u.id", "p.manager_id")
      .select(["p.id", "p.name", "p.number", "p.customer", "p.region_id", "r.name as region_name", "p.address", "p.latitude", "p.longitude", "p.status", "p.color", "p.manager_id", "u.name as manager_name", "p.created_at", "p.updated_at"])
      .select([sql<string | null>`p.starts_on::text`.as("starts_on"), sql<string | null>`p.ends_on::text`.as("ends_on")])
      .where("p.tenant_id", "=", tx.tenantId!)
      .where("p.id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    const contacts = await tx.db.selectFrom("crew_project_contacts").select(["id", "name", "email"]).where("tenant_id", "=", tx.tenantId!).where("project_id", "=", id).orderBy("name").orderBy("id").limit(100).execute();
    return { ...row, latitude: num(row.latitude), longitude: num(row.longitude), contacts };
  });
}

/** The number is unique in the workspace (case-insensitively). */
export async function assertNumberFree(tx: Ctx, number: string | null, except: string | null): Promise<void> {
  if (!number) return;
  let q = tx.db.selectFrom("crew_projects").select("id").where("tenant_id", "=", tx.tenantId!).where("number_key", "=", number.toLowerCase());
  if (except) q = q.where("id", "<>", except);
  if (await q.executeTakeFirst()) throw new Invalid({ number: "Another project has this number." });
}

async function checkLinks(tx: Ctx, id: string | null, input: ProjectInput, before?: ProjectInput): Promise<void> {
  if (!before || input.region_id !== before.region_id) await assertRegion(tx, input.region_id);
  // A former member may still manage the project; keeping them is not choosing them.
  if (!before || input.manager_id !== before.manager_id) await assertOwner(tx, input.manager_id, "manager_id");
  if (!before || input.number?.toLowerCase() !== before.number?.toLowerCase()) await assertNumberFree(tx, input.number, id);
}

export async function createProject(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseForm(ProjectSchema, values);
  return inTransaction(ctx, async (tx) => {
    await checkLinks(tx, null, input);
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("crew_projects").values({ tenant_id: tx.tenantId!, id, ...input, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now }).execute();
    await audit(tx, "project.created", { type: "project", id }, setFields(input));
    return id;
  });
}

export async function updateProject(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await storedFields(tx, id, true);
    if (!before) throw new NotFound();
    const input = parseForm(ProjectSchema, values);
    await checkLinks(tx, id, input, before);
    const changes = diff(before, input, [...FIELDS]);
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("crew_projects").set({ ...input, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "project.updated", { type: "project", id }, changes);
  });
}

/** Deletes a project; its contacts, schedule days, requirements and pours go with it. */
export async function deleteProject(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("crew_projects").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning(["name", "number"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "project.deleted", { type: "project", id }, { name: gone.name, number: gone.number });
  });
}

export async function addProjectContact(ctx: Ctx, projectId: string, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  if (!isUuid(projectId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const project = await tx.db.selectFrom("crew_projects").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", projectId).forShare().executeTakeFirst();
    if (!project) throw new NotFound();
    const input = parseForm(ContactSchema, values);
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("crew_project_contacts").values({ tenant_id: tx.tenantId!, id, project_id: projectId, name: input.contact_name, email: input.contact_email, created_at: tx.now }).execute();
    await audit(tx, "project_contact.created", { type: "project", id: projectId }, { contact: id, name: input.contact_name, email: input.contact_email });
    return id;
  });
}

export async function removeProjectContact(ctx: Ctx, projectId: string, contactId: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(projectId) || !isUuid(contactId)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("crew_project_contacts").where("tenant_id", "=", tx.tenantId!).where("project_id", "=", projectId).where("id", "=", contactId).returning(["name"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "project_contact.deleted", { type: "project", id: projectId }, { contact: contactId, name: gone.name });
  });
}

export interface ProjectOption {
  id: string;
  name: string;
  number: string | null;
  color: string;
  status: ProjectStatus;
}

/**
 * Projects for a select, by name (capped at OPTIONS_CAP). With `activeOn` (YYYY-MM-DD): only projects that are
 * bid or active and whose dates (when set) include that day — the ones people can be put on that day.
 */
export async function projectOptions(ctx: Ctx, opts: { activeOn?: string; include?: string | null } = {}): Promise<ProjectOption[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const include = opts.include && isUuid(opts.include) ? opts.include : null;
    const day = opts.activeOn && /^\d{4}-\d{2}-\d{2}$/.test(opts.activeOn) ? opts.activeOn : null;
    const when = day
      ? sql`status in ('bid', 'active') and (starts_on is null or starts_on <= ${day}::date) and (ends_on is null or ends_on >= ${day}::date)`
      : sql`true`;
    const r = await sql<ProjectOption>`
      select id, name, number, color, status from crew_projects
      where tenant_id = ${tx.tenantId} and ((${when}) or id = ${include})
      order by name_key, id limit ${OPTIONS_CAP}`.execute(tx.db);
    return r.rows;
  });
}

/** "1234 · Harbor Tower" or the name alone. */
export const projectLabel = (p: { name: string; number: string | null }) => (p.number ? `${p.number} · ${p.name}` : p.name);
