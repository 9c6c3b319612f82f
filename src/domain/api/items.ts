import { sql } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { afterCursor, cursorField, decodeCursor, encodeCursor, type SortSpec } from "../crm/list-cursor.ts";
import { parseForm } from "../crm/companies.ts";
import { isUuid } from "../crm/shared.ts";
import { SUBJECT_COLUMNS, type SubjectRef } from "../crm/timeline.ts";
import type { CrmObject } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";

// Reading activities, notes and tasks for the API. The HTML pages show them inside a record's timeline; the API
// lists them on their own, newest first, by keyset on (created_at, id), filtered by the record they hang off.
// Writes go through src/domain/crm/activities.ts like the pages' forms.

export type ItemTable = "activities" | "notes" | "tasks";

const COLUMNS = {
  activities: ["id", "kind", "occurred_at", "duration_minutes", "outcome", "body", "author_id", "company_id", "contact_id", "lead_id", "deal_id", "created_at"],
  notes: ["id", "body", "author_id", "company_id", "contact_id", "lead_id", "deal_id", "created_at", "updated_at"],
  tasks: ["id", "title", "assignee_id", "done_at", "author_id", "company_id", "contact_id", "lead_id", "deal_id", "created_at"],
} as const;

const SORTS = {
  "-created": { desc: true, keys: [{ expr: sql`created_at`, kind: "time" }, { expr: sql`id`, kind: "uuid" }] },
  created: { desc: false, keys: [{ expr: sql`created_at`, kind: "time" }, { expr: sql`id`, kind: "uuid" }] },
} satisfies Record<string, SortSpec>;

const optionalId = z
  .string()
  .trim()
  .refine((v) => v === "" || isUuid(v), { error: "Give a record id." })
  .transform((v) => v || undefined)
  .optional();

export const ItemFiltersSchema = z.object({
  sort: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["-created", "created"], { error: "Sort by -created or created." }).default("-created")),
  company_id: optionalId,
  contact_id: optionalId,
  lead_id: optionalId,
  deal_id: optionalId,
  /** Tasks only: true for done, false for open. */
  done: z.enum(["true", "false"], { error: "Give done as true or false." }).optional(),
  after: cursorField,
});

/** The record an item is created on, from its JSON body: exactly one of company_id, contact_id, lead_id, deal_id. */
export function subjectFromBody(values: Record<string, string>): SubjectRef {
  const given = (Object.entries(SUBJECT_COLUMNS) as [CrmObject, string][]).filter(([, col]) => values[col]);
  if (given.length !== 1) throw new Invalid({ subject: "Give exactly one of company_id, contact_id, lead_id or deal_id." });
  const [kind, col] = given[0]!;
  return { kind, id: values[col]! };
}

export async function listItems(ctx: Ctx, table: ItemTable, values: Record<string, string>, limit: number): Promise<{ rows: unknown[]; next: string | null }> {
  authorize(ctx, "records.view");
  const f = parseForm(ItemFiltersSchema, values);
  const spec: SortSpec = SORTS[f.sort];
  const after = f.after ? decodeCursor(f.after, f.sort, spec) : null;
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom(table as "notes")
      .select(COLUMNS[table] as unknown as "id"[])
      .select(sql<string[]>`array[created_at::text, id::text]`.as("sort_key"))
      // due_on as text: postgres.js would parse a `date` into a midnight-local Date.
      .$if(table === "tasks", (q) => q.select(sql<string | null>`due_on::text`.as("due_on")))
      .where("tenant_id", "=", tx.tenantId!);
    for (const col of ["company_id", "contact_id", "lead_id", "deal_id"] as const) if (f[col]) q = q.where(col, "=", f[col]!);
    if (table === "tasks" && f.done) q = q.where(sql.ref("done_at"), f.done === "true" ? "is not" : "is", null);
    if (after) q = q.where(afterCursor(spec, after));
    for (const k of spec.keys) q = q.orderBy(k.expr, spec.desc ? "desc" : "asc");
    const rows = (await q.limit(limit + 1).execute()) as unknown as ({ sort_key: string[] } & Record<string, unknown>)[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page.map(({ sort_key: _k, ...r }) => r), next: rows.length > limit && last ? encodeCursor(f.sort, last.sort_key) : null };
  });
}

export async function getItem(ctx: Ctx, table: ItemTable, id: string): Promise<Record<string, unknown>> {
  authorize(ctx, "records.view");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .selectFrom(table as "notes")
      .select(COLUMNS[table] as unknown as "id"[])
      .$if(table === "tasks", (q) => q.select(sql<string | null>`due_on::text`.as("due_on")))
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFound();
    return row as Record<string, unknown>;
  });
}
