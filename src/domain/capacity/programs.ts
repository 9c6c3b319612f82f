import { sql, type Selectable } from "kysely";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { parseProgram, shrinkageTotal, type ProgramInput } from "./program-form.ts";
import type { CapacityChannel, CapacityProgramsTable, OpeningHours, ShrinkageCategory } from "./tables.ts";

// Programs (issue 5, item 1): a queue or line of business with its goals. The form speaks percents ("80" for an
// 80 % service level) and HH:MM; the table stores fractions and minutes of the day (migrations/0005_capacity.ts).


/** A program as the rest of the module uses it: numbers parsed, fractions as fractions. */
export interface Program {
  id: string;
  name: string;
  channel: CapacityChannel;
  intervalMinutes: number;
  openingHours: OpeningHours;
  /** Fraction: 0.8 for 80 %. */
  slTarget: number;
  slSeconds: number;
  asaGoalSeconds: number | null;
  /** Fraction, or null for no cap. */
  maxOccupancy: number | null;
  shrinkage: ShrinkageCategory[];
  /** The categories' sum, in percent (e.g. 30 for 30 %). */
  shrinkageTotal: number;
  /** Patience set → Erlang A. */
  patienceSeconds: number | null;
  /** Fraction, or null. */
  maxAbandonRate: number | null;
  defaultAhtSeconds: number;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Omit<Selectable<CapacityProgramsTable>, "name_key" | "tenant_id" | "created_by">;
const COLUMNS = ["id", "name", "channel", "interval_minutes", "opening_hours", "sl_target", "sl_seconds", "asa_goal_seconds", "max_occupancy", "shrinkage", "patience_seconds", "max_abandon_rate", "default_aht_seconds", "created_at", "updated_at"] as const;

const num = (v: string | null) => (v === null ? null : Number(v));

export function toProgram(r: Row): Program {
  return {
    id: r.id,
    name: r.name,
    channel: r.channel,
    intervalMinutes: r.interval_minutes,
    openingHours: r.opening_hours,
    slTarget: Number(r.sl_target),
    slSeconds: r.sl_seconds,
    asaGoalSeconds: r.asa_goal_seconds,
    maxOccupancy: num(r.max_occupancy),
    shrinkage: r.shrinkage,
    shrinkageTotal: shrinkageTotal(r.shrinkage),
    patienceSeconds: r.patience_seconds,
    maxAbandonRate: num(r.max_abandon_rate),
    defaultAhtSeconds: r.default_aht_seconds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export { CHANNELS, hhmm, INTERVALS, parseHhmm, parseProgram, programFormValues, SHRINKAGE_ROWS, shrinkageTotal, WEEKDAYS, type ProgramInput } from "./program-form.ts";

// ---- Reading ----

async function findProgram(tx: Ctx, id: string, lock = false): Promise<Program> {
  if (!isUuid(id)) throw new NotFound();
  let q = tx.db.selectFrom("capacity_programs").select(COLUMNS).where("tenant_id", "=", tx.tenantId!).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new NotFound();
  return toProgram(row);
}

/** One program with its fields parsed; unknown, malformed or other-workspace ids are NotFound. */
export async function getProgram(ctx: Ctx, id: string): Promise<Program> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => findProgram(tx, id));
}

// ---- Changing ----

const jsonb = (v: unknown) => sql<never>`${JSON.stringify(v)}::text::jsonb`;
const stored = (i: ProgramInput) => ({
  name: i.name, channel: i.channel, interval_minutes: i.interval_minutes, opening_hours: jsonb(i.opening_hours), sl_target: i.sl_target, sl_seconds: i.sl_seconds,
  asa_goal_seconds: i.asa_goal_seconds, max_occupancy: i.max_occupancy, shrinkage: jsonb(i.shrinkage), patience_seconds: i.patience_seconds,
  max_abandon_rate: i.max_abandon_rate, default_aht_seconds: i.default_aht_seconds,
});
const AUDITED = ["name", "channel", "interval_minutes", "opening_hours", "sl_target", "sl_seconds", "asa_goal_seconds", "max_occupancy", "shrinkage", "patience_seconds", "max_abandon_rate", "default_aht_seconds"] as const;
const auditable = (i: ProgramInput): Record<string, unknown> => Object.fromEntries(AUDITED.map((k) => [k, i[k]]));
const asInput = (p: Program): ProgramInput => ({
  name: p.name, channel: p.channel, interval_minutes: p.intervalMinutes, opening_hours: p.openingHours, sl_target: p.slTarget, sl_seconds: p.slSeconds,
  asa_goal_seconds: p.asaGoalSeconds, max_occupancy: p.maxOccupancy, shrinkage: p.shrinkage, patience_seconds: p.patienceSeconds,
  max_abandon_rate: p.maxAbandonRate, default_aht_seconds: p.defaultAhtSeconds,
});
/** Before/after of the fields that changed; opening hours and shrinkage compare by value. */
function changes(before: ProgramInput, after: ProgramInput): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of AUDITED) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = { from: before[k], to: after[k] };
  return out;
}
const NAME_TAKEN = "Another program in this workspace already has this name.";

async function assertNameFree(tx: Ctx, name: string, except?: string): Promise<void> {
  let q = tx.db.selectFrom("capacity_programs").select("id").where("tenant_id", "=", tx.tenantId!).where("name_key", "=", name.toLowerCase());
  if (except) q = q.where("id", "<>", except);
  if (await q.executeTakeFirst()) throw new Invalid({ name: NAME_TAKEN });
}

/** A unique violation from a concurrent save is the same message as the check before it. */
const nameRace = (err: unknown) => {
  if ((err as { code?: string })?.code === "23505") throw new Invalid({ name: NAME_TAKEN });
  throw err;
};

export async function createProgram(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseProgram(values);
  return inTransaction(ctx, async (tx) => {
    await assertNameFree(tx, input.name);
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("capacity_programs")
      .values({ tenant_id: tx.tenantId!, id, ...stored(input), created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, updated_at: tx.now })
      .execute()
      .catch(nameRace);
    await audit(tx, "program.created", { type: "program", id }, auditable(input));
    return id;
  });
}

export async function updateProgram(ctx: Ctx, id: string, values: Record<string, string>): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const before = await findProgram(tx, id, true);
    const input = parseProgram(values);
    await assertNameFree(tx, input.name, id);
    if (input.interval_minutes !== before.intervalMinutes) {
      const history = await tx.db.selectFrom("capacity_intervals").select("day").where("tenant_id", "=", tx.tenantId!).where("program_id", "=", id).limit(1).executeTakeFirst();
      if (history) throw new Invalid({ interval_minutes: `This program has volume history on its ${before.intervalMinutes}-minute grid, so its interval can't change. Create a new program for another interval.` });
    }
    await tx.db.updateTable("capacity_programs").set({ ...stored(input), updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute().catch(nameRace);
    await audit(tx, "program.updated", { type: "program", id }, changes(asInput(before), input));
  });
}

/** Deletes a program with its volume history, imports and agent links (foreign keys cascade). */
export async function deleteProgram(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const p = await findProgram(tx, id, true);
    const { n } = await tx.db.selectFrom("capacity_intervals").select(sql<number>`count(*)::int`.as("n")).where("tenant_id", "=", tx.tenantId!).where("program_id", "=", id).executeTakeFirstOrThrow();
    await tx.db.deleteFrom("capacity_programs").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "program.deleted", { type: "program", id }, { name: p.name, intervals: n });
  });
}

// ---- The module's home ----

export interface ProgramSummary {
  id: string;
  name: string;
  channel: CapacityChannel;
  intervalMinutes: number;
  slTarget: number;
  slSeconds: number;
  shrinkageTotal: number;
  firstDay: string | null;
  lastDay: string | null;
  days: number;
}

export const PROGRAMS_SHOWN = 100;

/** Programs by name with their key figures (first 100: workspaces have a handful). */
export async function listPrograms(ctx: Ctx): Promise<{ rows: ProgramSummary[]; more: boolean }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("capacity_programs as p")
      .select(["p.id", "p.name", "p.channel", "p.interval_minutes", "p.sl_target", "p.sl_seconds", "p.shrinkage"])
      .select((eb) => [
        eb.selectFrom("capacity_intervals as i").select(sql<string | null>`min(i.day)::text`.as("v")).whereRef("i.tenant_id", "=", "p.tenant_id").whereRef("i.program_id", "=", "p.id").as("first_day"),
        eb.selectFrom("capacity_intervals as i").select(sql<string | null>`max(i.day)::text`.as("v")).whereRef("i.tenant_id", "=", "p.tenant_id").whereRef("i.program_id", "=", "p.id").as("last_day"),
        eb.selectFrom("capacity_intervals as i").select(sql<number>`count(distinct i.day)::int`.as("v")).whereRef("i.tenant_id", "=", "p.tenant_id").whereRef("i.program_id", "=", "p.id").as("days"),
      ])
      .where("p.tenant_id", "=", tx.tenantId!)
      .orderBy("p.name_key")
      .orderBy("p.id")
      .limit(PROGRAMS_SHOWN + 1)
      .execute();
    return {
      more: rows.length > PROGRAMS_SHOWN,
      rows: rows.slice(0, PROGRAMS_SHOWN).map((r) => ({
        id: r.id, name: r.name, channel: r.channel, intervalMinutes: r.interval_minutes, slTarget: Number(r.sl_target), slSeconds: r.sl_seconds,
        shrinkageTotal: shrinkageTotal(r.shrinkage), firstDay: r.first_day, lastDay: r.last_day, days: r.days ?? 0,
      })),
    };
  });
}

/** Program names for choosers (agents' checkboxes and filters), by name. */
export async function programChoices(ctx: Ctx): Promise<{ id: string; name: string }[]> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => tx.db.selectFrom("capacity_programs").select(["id", "name"]).where("tenant_id", "=", tx.tenantId!).orderBy("name_key").orderBy("id").limit(PROGRAMS_SHOWN).execute());
}
