import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import type { CrmObject } from "../schema.ts";
import { authorize } from "../tenancy/permissions.ts";
import { assertOwner, isUuid, optionalText, PAGE_SIZE, requiredText } from "./shared.ts";
import { actingUserId, dayInZone, findSubject, parseValues, PLURALS, subjectLabelSql, subjectOf, subjectValues, workspaceZone, zonedToInstant, type SubjectRef } from "./timeline.ts";

// Activities (calls, meetings, emails logged by hand), notes and tasks on a company, contact, lead or deal.
// Free text (bodies, titles) never goes into the audit trail: erasing a person must not leave their words there.

const BODY_MAX = 20_000;
const newlines = (v: unknown) => (typeof v === "string" ? v.replace(/\r\n?/g, "\n") : v);

const validDay = (s: string) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

const LocalDateTime = z
  .string({ error: "Enter the date and time." })
  .trim()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(v) && validDay(v.slice(0, 10)), {
    error: "Enter the date and time, e.g. 2025-03-31 14:30.",
  })
  .refine((v) => v >= "1900" && v < "2200", { error: "Enter a date between 1900 and 2199." });

const OptionalDay = z.preprocess(
  (v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null),
  z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && validDay(v) && v >= "1900" && v < "2200", { error: "Enter a date as YYYY-MM-DD, e.g. 2025-03-31." })
    .nullable(),
);

export const ActivitySchema = z.object({
  kind: z.enum(["call", "meeting", "email"], { error: "Choose call, meeting or email." }),
  occurred_at: LocalDateTime,
  duration_minutes: z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? Number(v.trim()) : null),
    z.number({ error: "Enter the duration in whole minutes." }).int({ error: "Enter the duration in whole minutes." }).min(0, { error: "Enter 0 to 1440 minutes." }).max(1440, { error: "Enter 0 to 1440 minutes." }).nullable(),
  ),
  outcome: optionalText(200),
  body: z.preprocess((v) => (typeof v === "string" ? (newlines(v) as string).trim() : ""), z.string().max(BODY_MAX, { error: `Use at most ${BODY_MAX} characters.` })),
});

export const NoteSchema = z.object({
  body: z.preprocess(
    (v) => (typeof v === "string" ? (newlines(v) as string).trim() : ""),
    z.string().min(1, { error: "Write the note." }).max(BODY_MAX, { error: `Use at most ${BODY_MAX} characters.` }),
  ),
});

export const TaskSchema = z.object({
  title: requiredText(300, "Give the task a title."),
  due_on: OptionalDay,
  assignee_id: z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().max(100).nullable()),
});

const subjectChange = (ref: SubjectRef) => ({ [`${ref.kind}_id`]: ref.id });

export async function addActivity(ctx: Ctx, ref: SubjectRef, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    await findSubject(tx, ref);
    const input = parseValues(ActivitySchema, values);
    const id = Bun.randomUUIDv7();
    const occurredAt = zonedToInstant(input.occurred_at, await workspaceZone(tx));
    await tx.db
      .insertInto("activities")
      .values({ tenant_id: tx.tenantId!, id, kind: input.kind, occurred_at: occurredAt, duration_minutes: input.duration_minutes, outcome: input.outcome, body: input.body, author_id: actingUserId(tx), created_at: tx.now, ...subjectValues(ref) })
      .execute();
    await audit(tx, "activity.created", { type: "activity", id }, { ...subjectChange(ref), kind: input.kind, occurred_at: occurredAt.toISOString(), duration_minutes: input.duration_minutes });
    return id;
  });
}

export async function addNote(ctx: Ctx, ref: SubjectRef, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    await findSubject(tx, ref);
    const input = parseValues(NoteSchema, values);
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("notes")
      .values({ tenant_id: tx.tenantId!, id, body: input.body, author_id: actingUserId(tx), created_at: tx.now, updated_at: tx.now, ...subjectValues(ref) })
      .execute();
    await audit(tx, "note.created", { type: "note", id }, { ...subjectChange(ref), length: input.body.length });
    return id;
  });
}

export async function addTask(ctx: Ctx, ref: SubjectRef, values: Record<string, string>): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    await findSubject(tx, ref);
    const input = parseValues(TaskSchema, values);
    await assertOwner(tx, input.assignee_id, "assignee_id");
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("tasks")
      .values({ tenant_id: tx.tenantId!, id, title: input.title, due_on: input.due_on, assignee_id: input.assignee_id, done_at: null, author_id: actingUserId(tx), created_at: tx.now, ...subjectValues(ref) })
      .execute();
    await audit(tx, "task.created", { type: "task", id }, { ...subjectChange(ref), due_on: input.due_on, assignee_id: input.assignee_id });
    return id;
  });
}

// Changes to an item, from the same schemas as its create form (the API's PATCH; the pages add and delete only).
// The audit event keeps which fields changed, never the text.

async function updateItem<T extends Record<string, unknown>>(ctx: Ctx, table: "activities" | "notes" | "tasks", type: string, id: string, columns: (tx: Ctx) => Promise<T>): Promise<void> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const found = await tx.db.selectFrom(table).select("id").where("id", "=", id).forUpdate().executeTakeFirst();
    if (!found) throw new NotFound();
    const set = await columns(tx);
    await tx.db.updateTable(table).set(set as never).where("id", "=", id).execute();
    await audit(tx, `${type}.updated`, { type, id }, { fields: Object.keys(set).filter((k) => k !== "updated_at") });
  });
}

export const updateNote = (ctx: Ctx, id: string, values: Record<string, string>) =>
  updateItem(ctx, "notes", "note", id, async (tx) => ({ body: parseValues(NoteSchema, values).body, updated_at: tx.now }));

export const updateActivity = (ctx: Ctx, id: string, values: Record<string, string>) =>
  updateItem(ctx, "activities", "activity", id, async (tx) => {
    const input = parseValues(ActivitySchema, values);
    return { kind: input.kind, occurred_at: zonedToInstant(input.occurred_at, await workspaceZone(tx)), duration_minutes: input.duration_minutes, outcome: input.outcome, body: input.body };
  });

export const updateTask = (ctx: Ctx, id: string, values: Record<string, string>) =>
  updateItem(ctx, "tasks", "task", id, async (tx) => {
    const input = parseValues(TaskSchema, values);
    await assertOwner(tx, input.assignee_id, "assignee_id");
    return { title: input.title, due_on: input.due_on, assignee_id: input.assignee_id };
  });

/** Marks a task done or not done (no `done`: the opposite of what it is). Returns the record it hangs off. */
export async function setTaskDone(ctx: Ctx, taskId: string, done?: boolean): Promise<SubjectRef | null> {
  authorize(ctx, "records.edit");
  if (!isUuid(taskId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const task = await tx.db.selectFrom("tasks").select(["id", "done_at", "company_id", "contact_id", "lead_id", "deal_id"]).where("id", "=", taskId).forUpdate().executeTakeFirst();
    if (!task) throw new NotFound();
    const target = done ?? !task.done_at;
    if (target !== !!task.done_at) {
      const doneAt = target ? tx.now : null;
      await tx.db.updateTable("tasks").set({ done_at: doneAt }).where("id", "=", taskId).execute();
      await audit(tx, target ? "task.completed" : "task.reopened", { type: "task", id: taskId }, { done_at: { from: task.done_at?.toISOString() ?? null, to: doneAt?.toISOString() ?? null } });
    }
    return subjectOf(task);
  });
}

const DELETABLE = { activity: "activities", note: "notes", task: "tasks" } as const;

/** Deletes an activity, note or task; the audit row keeps which record it hung off, not what it said. */
export async function deleteItem(ctx: Ctx, type: keyof typeof DELETABLE, id: string): Promise<SubjectRef | null> {
  authorize(ctx, "records.edit");
  if (!isUuid(id)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.deleteFrom(DELETABLE[type]).where("id", "=", id).returning(["company_id", "contact_id", "lead_id", "deal_id"]).executeTakeFirst();
    if (!row) throw new NotFound();
    const ref = subjectOf(row);
    await audit(tx, `${type}.deleted`, { type, id }, ref ? subjectChange(ref) : {});
    return ref;
  });
}

// ---- my tasks ----

export interface MyTask {
  id: string;
  title: string;
  dueOn: string | null;
  doneAt: Date | null;
  subject: (SubjectRef & { label: string; plural: string }) | null;
}

export interface MyTasksPage {
  tasks: MyTask[];
  next: string | null;
  today: string;
  showDone: boolean;
}

const TASK_CURSOR = /^(\d{4}-\d{2}-\d{2}|-)\|([0-9a-f-]{36})$/;

/**
 * The tasks assigned to the acting user: by due date, so overdue come first, then today, then later, then
 * those with no date. Keyset-paginated on (due date, nulls last; id).
 */
export async function myTasks(ctx: Ctx, opts: { showDone: boolean; cursor?: string | null }): Promise<MyTasksPage> {
  authorize(ctx, "records.view");
  const userId = actingUserId(ctx);
  const m = opts.cursor && opts.cursor.length < 200 ? TASK_CURSOR.exec(Buffer.from(opts.cursor, "base64url").toString("utf8")) : null;
  const cur = m && isUuid(m[2]!) && (m[1] === "-" || validDay(m[1]!)) ? { due: m[1] === "-" ? null : m[1]!, id: m[2]! } : null;
  return inTransaction(ctx, async (tx) => {
    const today = dayInZone(tx.now, await workspaceZone(tx));
    if (!userId) return { tasks: [], next: null, today, showDone: opts.showDone };
    const after = !cur
      ? sql``
      : cur.due === null
        ? sql`and t.due_on is null and t.id > ${cur.id}::uuid`
        : sql`and (t.due_on > ${cur.due}::date or (t.due_on = ${cur.due}::date and t.id > ${cur.id}::uuid) or t.due_on is null)`;
    const label = (kind: CrmObject, col: string) =>
      sql`when t.${sql.ref(col)} is not null then (select ${subjectLabelSql(kind)} from ${sql.table(PLURALS[kind])} s where s.tenant_id = t.tenant_id and s.id = t.${sql.ref(col)})`;
    const r = await sql<{ id: string; title: string; due_on: string | null; done_at: Date | null; company_id: string | null; contact_id: string | null; lead_id: string | null; deal_id: string | null; label: string | null }>`
      select t.id, t.title, t.due_on::text as due_on, t.done_at, t.company_id, t.contact_id, t.lead_id, t.deal_id,
        case ${label("company", "company_id")} ${label("contact", "contact_id")} ${label("lead", "lead_id")} ${label("deal", "deal_id")} end as label
      from tasks t
      where t.tenant_id = ${tx.tenantId} and t.assignee_id = ${userId} ${opts.showDone ? sql`` : sql`and t.done_at is null`} ${after}
      order by t.due_on asc nulls last, t.id asc limit ${PAGE_SIZE + 1}`.execute(tx.db);
    const rows = r.rows.slice(0, PAGE_SIZE);
    const last = rows[rows.length - 1];
    const next = r.rows.length > PAGE_SIZE && last ? Buffer.from(`${last.due_on ?? "-"}|${last.id}`).toString("base64url") : null;
    const tasks = rows.map((t) => {
      const ref = subjectOf(t);
      return { id: t.id, title: t.title, dueOn: t.due_on, doneAt: t.done_at, subject: ref ? { ...ref, label: t.label ?? "", plural: PLURALS[ref.kind] } : null };
    });
    return { tasks, next, today, showDone: opts.showDone };
  });
}
