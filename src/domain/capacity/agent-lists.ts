import { stringify } from "csv-stringify/sync";
import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { csvCell } from "../crm/exports.ts";
import { afterCursor, decodeCursor, encodeCursor, type SortSpec } from "../crm/list-cursor.ts";
import { isUuid } from "../crm/shared.ts";
import { Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { AGENT_STATUSES } from "./agents.ts";
import type { AgentStatus } from "./tables.ts";

// The agents list (keyset by name, filters by status, program and a search on name or employee ID) and its CSV
// export, whose columns are the import's: an exported file imports back unchanged.

export const AGENTS_PAGE = 50;
export const AGENT_FILTER_KEYS = ["status", "program", "q", "after"] as const;

export interface AgentListRow {
  id: string;
  name: string;
  employee_id: string;
  fte: string;
  status: AgentStatus;
  start_date: string;
  end_date: string | null;
  programs: string[];
}

const Filters = z.object({
  status: z.union([z.literal(""), z.enum(AGENT_STATUSES)], { error: "Choose a status from the list." }),
  program: z.string().refine((v) => v === "" || isUuid(v), { error: "Choose a program from the list." }),
  q: z.string().max(100, { error: "Search for at most 100 characters." }),
  after: z.string().max(1000),
});
export type AgentFilters = z.output<typeof Filters>;

export function parseAgentFilters(values: Record<string, string | undefined>): AgentFilters {
  const r = Filters.safeParse({ status: values.status?.trim() ?? "", program: values.program?.trim() ?? "", q: values.q?.replaceAll("\0", "").trim() ?? "", after: values.after?.trim() ?? "" });
  if (r.success) return r.data;
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) errors[String(i.path[0])] ??= i.message;
  throw new Invalid(errors);
}

const SORT: SortSpec = { keys: [{ expr: sql`a.name_key`, kind: "text" }, { expr: sql`a.id`, kind: "uuid" }], desc: false };
const likeEscape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

/** One page of agents by name, after the cursor in `f.after`. */
export async function listAgents(ctx: Ctx, f: AgentFilters, limit = AGENTS_PAGE): Promise<{ rows: AgentListRow[]; next: string | null }> {
  authorize(ctx, "records.view");
  const from = f.after ? decodeCursor(f.after, "agents", SORT) : null;
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom("capacity_agents as a")
      .select(["a.id", "a.name", "a.employee_id", "a.fte", "a.status", "a.name_key", sql<string>`a.start_date::text`.as("start_date"), sql<string | null>`a.end_date::text`.as("end_date")])
      .select(
        sql<string[]>`array(select p.name from capacity_agent_programs ap join capacity_programs p on p.tenant_id = ap.tenant_id and p.id = ap.program_id
          where ap.tenant_id = a.tenant_id and ap.agent_id = a.id order by p.name_key)`.as("programs"),
      )
      .where("a.tenant_id", "=", tx.tenantId!);
    if (f.status) q = q.where("a.status", "=", f.status);
    if (f.program)
      q = q.where(({ exists, selectFrom }) =>
        exists(selectFrom("capacity_agent_programs as ap").select("ap.agent_id").whereRef("ap.tenant_id", "=", "a.tenant_id").whereRef("ap.agent_id", "=", "a.id").where("ap.program_id", "=", f.program)),
      );
    if (f.q) {
      const like = `%${likeEscape(f.q.toLowerCase())}%`;
      q = q.where((eb) => eb.or([eb("a.name_key", "like", like), eb("a.employee_key", "like", like)]));
    }
    if (from) q = q.where(afterCursor(SORT, from));
    const rows = await q.orderBy("a.name_key").orderBy("a.id").limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page.map(({ name_key: _k, ...r }) => r), next: rows.length > limit && last ? encodeCursor("agents", [last.name_key, last.id]) : null };
  });
}

export const EXPORT_BATCH = 1000;
const HEADER = ["name", "employee_id", "fte", "status", "start_date", "end_date", "programs"];

/**
 * The agents the filters match as a UTF-8 CSV stream (with a BOM, for Excel), a thousand rows a read, only as fast
 * as the client takes them. The first batch is read and the export audited before anything is returned.
 */
export async function exportAgents(ctx: Ctx, values: Record<string, string | undefined>): Promise<ReadableStream<Uint8Array>> {
  authorize(ctx, "records.view");
  const f = { ...parseAgentFilters(values), after: "" };
  let batch = await listAgents(ctx, f, EXPORT_BATCH);
  await audit(ctx, "agents.exported", null, { filters: { status: f.status, program: f.program, q: f.q.slice(0, 100) }, ...(batch.next ? {} : { rows: batch.rows.length }) });
  const encoder = new TextEncoder();
  const line = (r: AgentListRow) => [csvCell(r.name), csvCell(r.employee_id), String(Number(r.fte)), r.status, r.start_date, r.end_date ?? "", csvCell(r.programs.join(";"))];
  let first = true;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = batch.rows.map(line);
      if (first) rows.unshift(HEADER);
      const text = stringify(rows, { record_delimiter: "windows" });
      controller.enqueue(encoder.encode(first ? `\uFEFF${text}` : text));
      first = false;
      if (!batch.next) return controller.close();
      const next = await listAgents(ctx, { ...f, after: batch.next }, EXPORT_BATCH).catch((err) => {
        if (!cancelled) controller.error(err);
        return null;
      });
      if (next) batch = next;
    },
    cancel() {
      cancelled = true;
    },
  });
}
