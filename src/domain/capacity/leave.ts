import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { isUuid } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import { day, parseInput, text } from "./plans-input.ts";

// Planned leave (issue 5, item 5): an agent away from one day to another, inclusive. It lowers the available FTE
// of every plan the agent's programs have (see plans-math.ts). Dates only: never the reason.

const LeaveSchema = z
  .object({
    employee_id: text(50, "Enter the agent's employee ID."),
    from_day: day("Enter the first day of leave."),
    to_day: day("Enter the last day of leave."),
  })
  .superRefine((v, ctx) => {
    if (v.to_day < v.from_day) ctx.addIssue({ code: "custom", path: ["to_day"], message: "The last day cannot be before the first." });
    else if ((Date.parse(v.to_day) - Date.parse(v.from_day)) / 86_400_000 > 366) ctx.addIssue({ code: "custom", path: ["to_day"], message: "Enter at most a year of leave at a time." });
  });

export async function addLeave(ctx: Ctx, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  const input = parseInput(LeaveSchema, values);
  return inTransaction(ctx, async (tx) => {
    const agent = await tx.db
      .selectFrom("capacity_agents")
      .select(["id", "name"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("employee_key", "=", input.employee_id.toLowerCase())
      .executeTakeFirst();
    if (!agent) throw new Invalid({ employee_id: "No agent in this workspace has this employee ID." });
    const id = Bun.randomUUIDv7();
    await tx.db.insertInto("capacity_agent_leave").values({ tenant_id: tx.tenantId!, id, agent_id: agent.id, from_day: input.from_day, to_day: input.to_day, created_by: tx.actor?.id ?? null, created_at: tx.now }).execute();
    await audit(tx, "agent_leave.created", { type: "agent", id: agent.id }, { leave_id: id, from_day: input.from_day, to_day: input.to_day });
    return id;
  });
}

export async function deleteLeave(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .deleteFrom("capacity_agent_leave")
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .returning(["id", "agent_id", sql<string>`from_day::text`.as("from_day"), sql<string>`to_day::text`.as("to_day")])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(tx, "agent_leave.deleted", { type: "agent", id: row.agent_id }, { leave_id: row.id, from_day: row.from_day, to_day: row.to_day });
  });
}

export interface LeaveRow {
  id: string;
  agent_id: string;
  agent_name: string;
  employee_id: string;
  from_day: string;
  to_day: string;
}

export const LEAVE_SHOWN = 100;

/** Leave that has not ended yet, soonest first (at most 100: the page stays light). */
export async function listLeave(ctx: Ctx): Promise<{ rows: LeaveRow[]; more: boolean }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const today = tx.now.toISOString().slice(0, 10);
    const rows = await sql<LeaveRow>`
      select l.id, l.agent_id, a.name as agent_name, a.employee_id, l.from_day::text as from_day, l.to_day::text as to_day
      from capacity_agent_leave l join capacity_agents a on a.tenant_id = l.tenant_id and a.id = l.agent_id
      where l.tenant_id = ${tx.tenantId} and l.to_day >= ${today}::date
      order by l.from_day, l.id limit ${LEAVE_SHOWN + 1}`.execute(tx.db);
    return { rows: rows.rows.slice(0, LEAVE_SHOWN), more: rows.rows.length > LEAVE_SHOWN };
  });
}
