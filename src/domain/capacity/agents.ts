import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { isUuid } from "../crm/shared.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { isDay } from "./volumes.ts";
import type { AgentStatus } from "./tables.ts";

// Agents (issue 5, item 2): the people a plan counts, with their FTE (a fraction of a full contract), status,
// contract dates and the programs they work on. Not app users; their names are personal data (see the data map).

export const AGENT_STATUSES: AgentStatus[] = ["active", "training", "leave", "left"];
export const STATUS_LABELS: Record<AgentStatus, string> = { active: "Active", training: "Training", leave: "On leave", left: "Left" };

export interface Agent {
  id: string;
  name: string;
  employeeId: string;
  fte: number;
  status: AgentStatus;
  startDate: string;
  endDate: string | null;
  programs: { id: string; name: string }[];
  createdAt: Date;
  updatedAt: Date;
}

const trimmed = (v: unknown) => (typeof v === "string" ? v.replaceAll("\0", "").trim() : "");
const dateField = (missing: string | null) =>
  z.preprocess(
    trimmed,
    z.string().refine((v) => (missing ? v !== "" : true), { error: missing ?? "" }).refine((v) => v === "" || isDay(v), { error: "Enter a date as YYYY-MM-DD." }),
  );

const AgentSchema = z.object({
    name: z.preprocess(trimmed, z.string().min(1, { error: "Enter the agent's name." }).max(200, { error: "Use at most 200 characters." })),
    employee_id: z.preprocess(trimmed, z.string().min(1, { error: "Enter the employee ID." }).max(50, { error: "Use at most 50 characters." })),
    fte: z.preprocess(
      trimmed,
      z
        .string()
        .min(1, { error: "Enter the FTE, e.g. 1 for full time or 0.5 for half time." })
        .transform((v) => Number(v.replace(",", ".")))
        .pipe(z.number({ error: "Enter the FTE as a number, e.g. 0.5." }).gt(0, { error: "FTE must be more than 0." }).max(1.5, { error: "FTE must be at most 1.5." })),
    ),
    status: z.enum(AGENT_STATUSES, { error: "Choose active, training, on leave or left." }),
    start_date: dateField("Enter the start date."),
    end_date: dateField(null),
    program_ids: z.array(z.string()).max(100, { error: "Choose at most 100 programs." }),
});

export type AgentInput = z.output<typeof AgentSchema>;

/** Parses the agent form (program_ids from the ticked checkboxes) or throws Invalid with every field's message. */
export function parseAgent(values: Record<string, string>, programIds: string[]): AgentInput {
  const r = AgentSchema.safeParse({ ...values, program_ids: programIds });
  const errors: Record<string, string> = {};
  if (!r.success) for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
  // Checked whatever else is wrong, so every message shows at once.
  const start = trimmed(values.start_date);
  const end = trimmed(values.end_date);
  if (!errors.end_date && isDay(start) && isDay(end) && end < start) errors.end_date = "The end date must be on or after the start date.";
  if (!r.success || Object.keys(errors).length) throw new Invalid(errors);
  return { ...r.data, fte: Math.round(r.data.fte * 1000) / 1000 };
}

export function agentFormValues(a: Agent): Record<string, string> {
  return { name: a.name, employee_id: a.employeeId, fte: String(a.fte), status: a.status, start_date: a.startDate, end_date: a.endDate ?? "" };
}

async function findAgent(tx: Ctx, id: string, lock = false): Promise<Agent> {
  if (!isUuid(id)) throw new NotFound();
  let q = tx.db
    .selectFrom("capacity_agents")
    .select(["id", "name", "employee_id", "fte", "status", "created_at", "updated_at", sql<string>`start_date::text`.as("start_date"), sql<string | null>`end_date::text`.as("end_date")])
    .where("tenant_id", "=", tx.tenantId!)
    .where("id", "=", id);
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw new NotFound();
  const programs = await tx.db
    .selectFrom("capacity_agent_programs as ap")
    .innerJoin("capacity_programs as p", (j) => j.onRef("p.tenant_id", "=", "ap.tenant_id").onRef("p.id", "=", "ap.program_id"))
    .select(["p.id", "p.name"])
    .where("ap.tenant_id", "=", tx.tenantId!)
    .where("ap.agent_id", "=", id)
    .orderBy("p.name_key")
    .execute();
  return { id: r.id, name: r.name, employeeId: r.employee_id, fte: Number(r.fte), status: r.status, startDate: r.start_date, endDate: r.end_date, programs, createdAt: r.created_at, updatedAt: r.updated_at };
}

export async function getAgent(ctx: Ctx, id: string): Promise<Agent> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, (tx) => findAgent(tx, id));
}

const EMPLOYEE_TAKEN = "Another agent in this workspace already has this employee ID.";

async function checkRefs(tx: Ctx, input: AgentInput, except?: string): Promise<void> {
  let q = tx.db.selectFrom("capacity_agents").select("id").where("tenant_id", "=", tx.tenantId!).where("employee_key", "=", input.employee_id.toLowerCase());
  if (except) q = q.where("id", "<>", except);
  if (await q.executeTakeFirst()) throw new Invalid({ employee_id: EMPLOYEE_TAKEN });
  const wanted = [...new Set(input.program_ids)];
  if (wanted.some((p) => !isUuid(p))) throw new Invalid({ program_ids: "Choose programs from the list." });
  if (wanted.length) {
    const found = await tx.db.selectFrom("capacity_programs").select("id").where("tenant_id", "=", tx.tenantId!).where("id", "in", wanted).execute();
    if (found.length !== wanted.length) throw new Invalid({ program_ids: "One of those programs no longer exists. Choose again." });
  }
}

const stored = (i: AgentInput) => ({ name: i.name, employee_id: i.employee_id, fte: i.fte, status: i.status, start_date: i.start_date, end_date: i.end_date || null });
const taken = (err: unknown) => {
  if ((err as { code?: string })?.code === "23505") throw new Invalid({ employee_id: EMPLOYEE_TAKEN });
  throw err;
};

async function setPrograms(tx: Ctx, agentId: string, programIds: string[]): Promise<void> {
  await tx.db.deleteFrom("capacity_agent_programs").where("tenant_id", "=", tx.tenantId!).where("agent_id", "=", agentId).execute();
  const ids = [...new Set(programIds)];
  if (ids.length) await tx.db.insertInto("capacity_agent_programs").values(ids.map((p) => ({ tenant_id: tx.tenantId!, agent_id: agentId, program_id: p }))).execute();
}

export async function createAgent(ctx: Ctx, values: Record<string, string>, programIds: string[]): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseAgent(values, programIds);
  return inTransaction(ctx, async (tx) => {
    await checkRefs(tx, input);
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("capacity_agents")
      .values({ tenant_id: tx.tenantId!, id, ...stored(input), created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now, updated_at: tx.now })
      .execute()
      .catch(taken);
    await setPrograms(tx, id, input.program_ids);
    await audit(tx, "agent.created", { type: "agent", id }, { ...stored(input), programs: [...new Set(input.program_ids)] });
    return id;
  });
}

export async function updateAgent(ctx: Ctx, id: string, values: Record<string, string>, programIds: string[]): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const before = await findAgent(tx, id, true);
    const input = parseAgent(values, programIds);
    await checkRefs(tx, input, id);
    await tx.db.updateTable("capacity_agents").set({ ...stored(input), updated_at: tx.now }).where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute().catch(taken);
    await setPrograms(tx, id, input.program_ids);
    const was: Record<string, unknown> = { name: before.name, employee_id: before.employeeId, fte: before.fte, status: before.status, start_date: before.startDate, end_date: before.endDate };
    const now: Record<string, unknown> = stored(input);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of Object.keys(now)) if (was[k] !== now[k]) changes[k] = { from: was[k], to: now[k] };
    const oldPrograms = before.programs.map((p) => p.id).sort();
    const newPrograms = [...new Set(input.program_ids)].sort();
    if (oldPrograms.join() !== newPrograms.join()) changes.programs = { from: oldPrograms, to: newPrograms };
    await audit(tx, "agent.updated", { type: "agent", id }, changes);
  });
}

export async function deleteAgent(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  await inTransaction(ctx, async (tx) => {
    const a = await findAgent(tx, id, true);
    await tx.db.deleteFrom("capacity_agents").where("tenant_id", "=", tx.tenantId!).where("id", "=", id).execute();
    await audit(tx, "agent.deleted", { type: "agent", id }, { employee_id: a.employeeId });
  });
}
