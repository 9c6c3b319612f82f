import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { actorUserId, isDay, isUuid, optionalText, parseForm, requiredText } from "./people-common.ts";
import { decimal, timeField } from "./pour-fields.ts";
import type { PourStatus, VolumeUnit } from "./tables.ts";

export { decimal, optionalTime, timeField } from "./pour-fields.ts";

// Pours (issue 7, item 5): create, read, change, delete, with placing and finishing crews. The state changes
// (confirm, complete, cancel) are in pour-states.ts; lists in pour-lists.ts.

export const POUR_STATUSES = ["tentative", "confirmed", "poured", "cancelled", "weather_cancelled"] as const satisfies readonly PourStatus[];
export const POUR_STATUS_LABELS: Record<PourStatus, string> = { tentative: "Tentative", confirmed: "Confirmed", poured: "Poured", cancelled: "Cancelled", weather_cancelled: "Weather-cancelled" };
export const UNIT_LABELS: Record<VolumeUnit, string> = { yd3: "yd³", m3: "m³" };
export const ROLES = ["placing", "finishing"] as const;
export type CrewRole = (typeof ROLES)[number];
/** Most people one crew of one pour may list. */
export const CREW_MAX = 60;
/** Statuses whose details can still change. */
export const OPEN_STATUSES: readonly PourStatus[] = ["tentative", "confirmed"];

export const PourSchema = z.object({
  project_id: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().min(1, { error: "Choose a project." }).max(100, { error: "Choose a project." })),
  day: z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().refine(isDay, { error: "Enter the date as YYYY-MM-DD." })),
  start_time: timeField("Enter the start time as HH:MM (24-hour)."),
  location: requiredText(200, "Enter the element or location (e.g. Level 3 deck, pour 2)."),
  volume: decimal(0, 100000, "the volume", { minExclusive: true }),
  mix_design: optionalText(100),
  slump: optionalText(50),
  pump_type: optionalText(100),
  pump_company: optionalText(200),
  supplier: optionalText(200),
  notes: optionalText(2000),
});
export type PourInput = z.output<typeof PourSchema>;
const FIELDS = ["project_id", "day", "start_time", "location", "volume", "mix_design", "slump", "pump_type", "pump_company", "supplier", "notes"] as const;

/** The crews as posted: employee ids per role (repeated form fields). */
export interface CrewInput {
  placing: string[];
  finishing: string[];
}

export interface PourCrewMember {
  employee_id: string;
  name: string;
  trade: string;
  email: string | null;
  role: CrewRole;
}

export interface PourLog {
  actual_volume: number;
  volume_unit: VolumeUnit;
  started_at: string | null;
  ended_at: string | null;
  air_temp: number | null;
  concrete_temp: number | null;
  temp_unit: "F" | "C";
  notes: string | null;
  logged_by_name: string | null;
  updated_at: Date;
}

export interface PourView {
  id: string;
  project_id: string;
  project_name: string;
  project_number: string | null;
  project_address: string | null;
  latitude: number | null;
  longitude: number | null;
  manager_id: string | null;
  day: string;
  start_time: string;
  location: string;
  volume: number;
  volume_unit: VolumeUnit;
  mix_design: string | null;
  slump: string | null;
  pump_type: string | null;
  pump_company: string | null;
  supplier: string | null;
  notes: string | null;
  status: PourStatus;
  status_reason: string | null;
  confirmed_at: Date | null;
  confirmations: number;
  created_by_name: string | null;
  created_at: Date;
  updated_at: Date;
  crews: PourCrewMember[];
  log: PourLog | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));

/** One pour with its project, crews and log; unknown, malformed or other-workspace ids are 404. */
export async function getPour(ctx: Ctx, id: string): Promise<PourView> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const p = await tx.db
      .selectFrom("crew_pours as p")
      .innerJoin("crew_projects as pr", (j) => j.onRef("pr.tenant_id", "=", "p.tenant_id").onRef("pr.id", "=", "p.project_id"))
      .leftJoin("users as u", "u.id", "p.created_by")
      .select([
        "p.id", "p.project_id", "pr.name as project_name", "pr.number as project_number", "pr.address as project_address", "pr.latitude", "pr.longitude", "pr.manager_id",
        sql<string>`p.day::text`.as("day"), sql<string>`to_char(p.start_time, 'HH24:MI')`.as("start_time"), "p.location", "p.volume", "p.volume_unit", "p.mix_design", "p.slump",
        "p.pump_type", "p.pump_company", "p.supplier", "p.notes", "p.status", "p.status_reason", "p.confirmed_at", "p.confirmations", "u.name as created_by_name", "p.created_at", "p.updated_at",
      ])
      .where("p.tenant_id", "=", tx.tenantId!)
      .where("p.id", "=", id)
      .executeTakeFirst();
    if (!p) throw new NotFound();
    const crews = await tx.db
      .selectFrom("crew_pour_crews as c")
      .innerJoin("crew_employees as e", (j) => j.onRef("e.tenant_id", "=", "c.tenant_id").onRef("e.id", "=", "c.employee_id"))
      .select(["c.employee_id", "e.name", "e.trade", "e.email", "c.role"])
      .where("c.tenant_id", "=", tx.tenantId!)
      .where("c.pour_id", "=", id)
      .orderBy("c.role")
      .orderBy("e.name_key")
      .execute();
    const log = await tx.db
      .selectFrom("crew_pour_logs as l")
      .leftJoin("users as u", "u.id", "l.logged_by")
      .select([
        "l.actual_volume", "l.volume_unit", sql<string | null>`to_char(l.started_at, 'HH24:MI')`.as("started_at"), sql<string | null>`to_char(l.ended_at, 'HH24:MI')`.as("ended_at"),
        "l.air_temp", "l.concrete_temp", "l.temp_unit", "l.notes", "u.name as logged_by_name", "l.updated_at",
      ])
      .where("l.tenant_id", "=", tx.tenantId!)
      .where("l.pour_id", "=", id)
      .executeTakeFirst();
    return {
      ...p,
      latitude: num(p.latitude),
      longitude: num(p.longitude),
      volume: Number(p.volume),
      crews,
      log: log ? { ...log, actual_volume: Number(log.actual_volume), air_temp: num(log.air_temp), concrete_temp: num(log.concrete_temp) } : null,
    };
  });
}

/** The ids of a posted crew: each a uuid, no repeats, at most CREW_MAX. */
function crewIds(ids: string[], field: CrewRole): string[] {
  const out = [...new Set(ids.map((s) => s.trim()).filter(Boolean))];
  if (out.length > CREW_MAX) throw new Invalid({ [field]: `Choose at most ${CREW_MAX} people.` });
  if (out.some((s) => !isUuid(s))) throw new Invalid({ [field]: "Choose people from the list." });
  return out;
}

/**
 * Checks the crews against this workspace's employees: active ones, or ones already on the pour (someone made
 * inactive since keeps their place rather than failing the save).
 */
async function checkCrews(tx: Ctx, crews: CrewInput, pourId: string | null): Promise<{ placing: string[]; finishing: string[] }> {
  const placing = crewIds(crews.placing, "placing");
  const finishing = crewIds(crews.finishing, "finishing");
  const all = [...new Set([...placing, ...finishing])];
  if (all.length === 0) return { placing, finishing };
  const ok = await tx.db
    .selectFrom("crew_employees as e")
    .select("e.id")
    .where("e.tenant_id", "=", tx.tenantId!)
    .where("e.id", "in", all)
    .where((eb) =>
      eb.or([
        eb("e.active", "=", true),
        ...(pourId ? [eb.exists(eb.selectFrom("crew_pour_crews as c").select("c.pour_id").whereRef("c.tenant_id", "=", "e.tenant_id").whereRef("c.employee_id", "=", "e.id").where("c.pour_id", "=", pourId))] : []),
      ]),
    )
    .execute();
  const known = new Set(ok.map((r) => r.id));
  for (const [field, ids] of [["placing", placing], ["finishing", finishing]] as const) {
    if (ids.some((i) => !known.has(i))) throw new Invalid({ [field]: "Choose active employees from the list." });
  }
  return { placing, finishing };
}

async function checkProject(tx: Ctx, projectId: string): Promise<void> {
  const ok = isUuid(projectId) ? await tx.db.selectFrom("crew_projects").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "=", projectId).executeTakeFirst() : undefined;
  if (!ok) throw new Invalid({ project_id: "Choose a project from the list." });
}

async function writeCrews(tx: Ctx, pourId: string, crews: { placing: string[]; finishing: string[] }): Promise<void> {
  await tx.db.deleteFrom("crew_pour_crews").where("tenant_id", "=", tx.tenantId!).where("pour_id", "=", pourId).execute();
  const rows = [...crews.placing.map((e) => ({ e, role: "placing" as const })), ...crews.finishing.map((e) => ({ e, role: "finishing" as const }))];
  if (rows.length) await tx.db.insertInto("crew_pour_crews").values(rows.map((r) => ({ tenant_id: tx.tenantId!, pour_id: pourId, employee_id: r.e, role: r.role }))).execute();
}

/** Parses the form (all field errors at once, crews included). */
function parsePour(values: Record<string, string>, crews: CrewInput): PourInput {
  let input: PourInput | null = null;
  const errors: Record<string, string> = {};
  try {
    input = parseForm(PourSchema, values);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(errors, err.fieldErrors);
  }
  for (const role of ROLES) {
    try {
      crewIds(crews[role], role);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      Object.assign(errors, err.fieldErrors);
    }
  }
  if (Object.keys(errors).length || !input) throw new Invalid(errors);
  return input;
}

export async function createPour(ctx: Ctx, values: Record<string, string>, crews: CrewInput): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parsePour(values, crews);
  return inTransaction(ctx, async (tx) => {
    await checkProject(tx, input.project_id);
    const checked = await checkCrews(tx, crews, null);
    const tenant = await tx.db.selectFrom("tenants").select("units").where("id", "=", tx.tenantId!).executeTakeFirstOrThrow();
    const id = Bun.randomUUIDv7();
    const volume_unit: VolumeUnit = tenant.units === "metric" ? "m3" : "yd3";
    await tx.db
      .insertInto("crew_pours")
      .values({ tenant_id: tx.tenantId!, id, ...input, volume: input.volume!, volume_unit, created_by: actorUserId(tx), created_at: tx.now, updated_at: tx.now })
      .execute();
    await writeCrews(tx, id, checked);
    await audit(tx, "pour.created", { type: "pour", id }, { ...input, volume_unit, placing: checked.placing, finishing: checked.finishing });
    return id;
  });
}

/**
 * Changes a tentative or confirmed pour. Moving a confirmed pour (day or start) or changing its crews makes it
 * tentative again: the people told were told something else, so it must be confirmed (and announced) again.
 */
export async function updatePour(ctx: Ctx, id: string, values: Record<string, string>, crews: CrewInput): Promise<{ unconfirmed: boolean }> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  const input = parsePour(values, crews);
  return inTransaction(ctx, async (tx) => {
    const before = await tx.db
      .selectFrom("crew_pours")
      .select(["project_id", sql<string>`day::text`.as("day"), sql<string>`to_char(start_time, 'HH24:MI')`.as("start_time"), "location", "volume", "mix_design", "slump", "pump_type", "pump_company", "supplier", "notes", "status"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new NotFound();
    if (!OPEN_STATUSES.includes(before.status)) throw new Conflict(`This pour is ${POUR_STATUS_LABELS[before.status].toLowerCase()}; it can no longer be changed.`);
    if (input.project_id !== before.project_id) await checkProject(tx, input.project_id);
    const checked = await checkCrews(tx, crews, id);
    const oldCrews = await tx.db.selectFrom("crew_pour_crews").select(["employee_id", "role"]).where("tenant_id", "=", tx.tenantId!).where("pour_id", "=", id).execute();
    const key = (role: string, ids: string[]) => ids.map((e) => `${role}:${e}`).sort().join(",");
    const oldKey = key("placing", oldCrews.filter((c) => c.role === "placing").map((c) => c.employee_id)) + "|" + key("finishing", oldCrews.filter((c) => c.role === "finishing").map((c) => c.employee_id));
    const newKey = key("placing", checked.placing) + "|" + key("finishing", checked.finishing);
    const changes: Record<string, unknown> = {};
    const beforeValues: Record<string, unknown> = { ...before, volume: Number(before.volume) };
    for (const f of FIELDS) if (beforeValues[f] !== input[f]) changes[f] = { from: beforeValues[f] ?? null, to: input[f] ?? null };
    if (oldKey !== newKey) changes.crews = { from: oldCrews.map((c) => `${c.role}:${c.employee_id}`), to: [...checked.placing.map((e) => `placing:${e}`), ...checked.finishing.map((e) => `finishing:${e}`)] };
    if (Object.keys(changes).length === 0) return { unconfirmed: false };
    const unconfirmed = before.status === "confirmed" && ("day" in changes || "start_time" in changes || "crews" in changes || "project_id" in changes);
    if (unconfirmed) changes.status = { from: "confirmed", to: "tentative" };
    await tx.db
      .updateTable("crew_pours")
      .set({ ...input, volume: input.volume!, updated_at: tx.now, ...(unconfirmed ? { status: "tentative" as const, confirmed_at: null } : {}) })
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .execute();
    if (oldKey !== newKey) await writeCrews(tx, id, checked);
    await audit(tx, "pour.updated", { type: "pour", id }, changes);
    return { unconfirmed };
  });
}

/** Deletes a pour; its crews and log go with it. */
export async function deletePour(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const gone = await tx.db
      .deleteFrom("crew_pours")
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .returning(["project_id", sql<string>`day::text`.as("day"), "location", "status"])
      .executeTakeFirst();
    if (!gone) throw new NotFound();
    await audit(tx, "pour.deleted", { type: "pour", id }, gone);
  });
}
