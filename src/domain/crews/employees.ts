import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, checkbox, idField, isUuid, optionalEmail, optionalPhone, OPTIONS_CAP, parseForm, requiredText, setFields } from "./people-common.ts";
import { assertRegion } from "./regions.ts";

// Employees: the people scheduled on crews (field workers, not app users). Each may work under a foreman (another
// employee); the chain of foremen never loops, so the schedule can group people under their foreman.

/** Trades the forms suggest; any other is allowed (up to 50 characters). */
export const TRADES = ["Foreman", "Finisher", "Laborer", "Carpenter", "Operator", "Ironworker", "Pump operator", "Driver"];

export const EmployeeSchema = z.object({
  name: requiredText(200, "Enter the employee's name."),
  trade: requiredText(50, "Enter a trade or classification, e.g. Finisher."),
  foreman_id: idField("Choose a foreman from the list."),
  region_id: idField("Choose a region from the list."),
  phone: optionalPhone,
  email: optionalEmail,
  active: checkbox,
});
export type EmployeeInput = z.output<typeof EmployeeSchema>;
const FIELDS = ["name", "trade", "foreman_id", "region_id", "phone", "email", "active"] as const;

/**
 * The foreman must be an employee of this workspace, not the person themselves, and not someone who (through
 * any number of foremen) works under them: that would make the crews a loop.
 */
export async function assertForeman(tx: Ctx, employeeId: string | null, foremanId: string | null): Promise<void> {
  if (!foremanId) return;
  if (employeeId && foremanId === employeeId) throw new Invalid({ foreman_id: "Someone cannot be their own foreman." });
  const ok = isUuid(foremanId) && (await tx.db.selectFrom("crew_employees").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", foremanId).executeTakeFirst());
  if (!ok) throw new Invalid({ foreman_id: "Choose a foreman from the list." });
  if (!employeeId) return;
  // Walk up from the chosen foreman; meeting the employee means the foreman already works under them.
  const r = await sql<{ loops: boolean }>`
    with recursive up(id, depth) as (
      select foreman_id, 1 from crew_employees where tenant_id = ${tx.tenantId} and id = ${foremanId}
      union all
      select e.foreman_id, up.depth + 1 from up join crew_employees e on e.tenant_id = ${tx.tenantId} and e.id = up.id
      where up.id is not null and up.depth < 1000
    )
    select exists (select 1 from up where id = ${employeeId}) as loops`.execute(tx.db);
  if (r.rows[0]?.loops) throw new Invalid({ foreman_id: "That person works under this employee (directly or through their foreman): choose someone else." });
}

export interface Certification {
  id: string;
  name: string;
  expires_on: string | null;
  /** "expired", "soon" (within 30 days) or null, on the context's day. */
  state: "expired" | "soon" | null;
}

export interface EmployeeView {
  id: string;
  name: string;
  trade: string;
  foreman_id: string | null;
  foreman_name: string | null;
  region_id: string | null;
  region_name: string | null;
  phone: string | null;
  email: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  certifications: Certification[];
  /** The people who work under this employee (first CREW_CAP by name). */
  crew: { id: string; name: string; trade: string; active: boolean }[];
}

export const CREW_CAP = 100;
export const SOON_DAYS = 30;

export const today = (ctx: Ctx) => ctx.now.toISOString().slice(0, 10);

export function certificationState(expiresOn: string | null, day: string): Certification["state"] {
  if (!expiresOn) return null;
  if (expiresOn < day) return "expired";
  const soon = new Date(Date.parse(`${day}T00:00:00Z`) + SOON_DAYS * 86_400_000).toISOString().slice(0, 10);
  return expiresOn <= soon ? "soon" : null;
}

/** One employee with foreman, region, certifications and crew; unknown or other-workspace ids are NotFound. */
export async function getEmployee(ctx: Ctx, id: string): Promise<EmployeeView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom("crew_employees as e")
      .leftJoin("crew_employees as f", (j) => j.onRef("f.tenant_id", "=", "e.tenant_id").onRef("f.id", "=", "e.foreman_id"))
      .leftJoin("crew_regions as r", (j) => j.onRef("r.tenant_id", "=", "e.tenant_id").onRef("r.id", "=", "e.region_id"))
      .select(["e.id", "e.name", "e.trade", "e.foreman_id", "f.name as foreman_name", "e.region_id", "r.name as region_name", "e.phone", "e.email", "e.active", "e.created_at", "e.updated_at"])
      .where("e.tenant_id", "=", tx.tenantId!)
      .where("e.id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    const certs = await tx.db
      .selectFrom("crew_certifications")
      .select(["id", "name", sql<string | null>`expires_on::text`.as("expires_on")])
      .where("tenant_id", "=", tx.tenantId!)
      .where("employee_id", "=", id)
      .orderBy(sql`expires_on nulls last`)
      .orderBy("name")
      .limit(200)
      .execute();
    const crew = await tx.db
      .selectFrom("crew_employees")
      .select(["id", "name", "trade", "active"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("foreman_id", "=", id)
      .orderBy("name_key")
      .orderBy("id")
      .limit(CREW_CAP)
      .execute();
    const day = today(tx);
    return { ...row, certifications: certs.map((c) => ({ ...c, state: certificationState(c.expires_on, day) })), crew };
  });
}

async function checkLinks(tx: Ctx, id: string | null, input: EmployeeInput, before?: EmployeeInput): Promise<void> {
  if (!before || input.region_id !== before.region_id) await assertRegion(tx, input.region_id);
  if (!before || input.foreman_id !== before.foreman_id) await assertForeman(tx, id, input.foreman_id);
}

export async function createEmployee(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseForm(EmployeeSchema, values);
  return inTransaction(ctx, async (tx) => {
    await checkLinks(tx, null, input);
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("crew_employees").values({ tenant_id: tx.tenantId!, id, ...input, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now }).execute();
    await audit(tx, "employee.created", { type: "employee", id }, setFields(input));
    return id;
  });
}

export async function updateEmployee(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("crew_employees").select([...FIELDS]).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const input = parseForm(EmployeeSchema, values);
    await checkLinks(tx, id, input, before);
    const changes = diff(before, input, [...FIELDS]);
    if (Object.keys(changes).length === 0) return;
    await tx.db.updateTable("crew_employees").set({ ...input, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "employee.updated", { type: "employee", id }, changes);
  });
}

/** Marks an employee active or not (inactive people leave the schedule's choices but keep their history). */
export async function setEmployeeActive(ctx: Ctx, id: string, active: boolean): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("crew_employees").select("active").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    if (before.active === active) return;
    await tx.db.updateTable("crew_employees").set({ active, updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "employee.updated", { type: "employee", id }, { active: { from: before.active, to: active } });
  });
}

/** Deletes an employee; their certifications and schedule go with them, their crew keeps working under nobody. */
export async function deleteEmployee(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db.deleteFrom("crew_employees").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).returning(["name"]).executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "employee.deleted", { type: "employee", id }, { name: gone.name });
  });
}

export interface EmployeeOption {
  id: string;
  name: string;
  trade: string;
}

/** Active employees for a select, by name (capped at OPTIONS_CAP; `include` keeps a current choice listed). */
export async function employeeOptions(ctx: Ctx, opts: { include?: string | null; foremenOnly?: boolean } = {}): Promise<EmployeeOption[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const include = opts.include && isUuid(opts.include) ? opts.include : null;
    const r = await sql<EmployeeOption>`
      select id, name, trade from crew_employees e
      where tenant_id = ${tx.tenantId} and (
        (active ${opts.foremenOnly ? sql`and (lower(trade) = 'foreman' or exists (select 1 from crew_employees c where c.tenant_id = e.tenant_id and c.foreman_id = e.id))` : sql``})
        or id = ${include})
      order by name_key, id limit ${OPTIONS_CAP}`.execute(tx.db);
    return r.rows;
  });
}

export interface ActiveEmployee {
  id: string;
  name: string;
  trade: string;
  foreman_id: string | null;
  region_id: string | null;
  phone: string | null;
  email: string | null;
}

/** Every active employee (schedule rows, availability), by name. Unbounded by design: callers page or aggregate. */
export async function listActiveEmployees(ctx: Ctx): Promise<ActiveEmployee[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) =>
    tx.db
      .selectFrom("crew_employees")
      .select(["id", "name", "trade", "foreman_id", "region_id", "phone", "email"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("active", "=", true)
      .orderBy("name_key")
      .orderBy("id")
      .execute(),
  );
}

/** The trades in use, for the list's filter and the form's suggestions. */
export async function tradesInUse(ctx: Ctx): Promise<string[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const r = await sql<{ trade: string }>`select distinct trade from crew_employees where tenant_id = ${tx.tenantId} order by trade limit 100`.execute(tx.db);
    return [...new Set([...r.rows.map((x) => x.trade), ...TRADES])].sort((a, b) => a.localeCompare(b));
  });
}
