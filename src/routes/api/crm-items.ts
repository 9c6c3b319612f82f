import { z } from "zod";
import { getItem, ItemFiltersSchema, listItems, subjectFromBody, type ItemTable } from "../../domain/api/items.ts";
import { addActivity, addNote, addTask, ActivitySchema, deleteItem, NoteSchema, setTaskDone, TaskSchema, updateActivity, updateNote, updateTask } from "../../domain/crm/activities.ts";
import { inTransaction } from "../../domain/context.ts";
import { CRM_OBJECTS, FIELD_TYPES, type CustomFieldDef } from "../../domain/crm/custom-fields.ts";
import { createDefinition, deleteDefinition, getDefinition, listDefinitions, updateDefinition } from "../../domain/crm/custom-field-definitions.ts";
import { localInputValue, SUBJECT_COLUMNS, workspaceZone } from "../../domain/crm/timeline.ts";
import { Invalid } from "../../domain/errors.ts";
import { id, text, time } from "./crm-records.ts";
import type { Resource } from "./resource.ts";

// Activities, notes, tasks and custom field definitions over the API, through the domain functions and form
// schemas the HTML pages use.

import { noFilters } from "./crm-deals.ts";

const subject = { company_id: id.nullable(), contact_id: id.nullable(), lead_id: id.nullable(), deal_id: id.nullable() };
const subjectIn = Object.fromEntries(Object.values(SUBJECT_COLUMNS).map((c) => [c, z.uuid()]));

function items(path: ItemTable, noun: "activity" | "note" | "task", form: Resource["form"], item: z.ZodType, create: (ctx: any, ref: any, values: Record<string, string>) => Promise<string>): Resource<Record<string, unknown>> {
  return {
    path,
    noun,
    form: { ...form, extra: subjectIn },
    item,
    row: item,
    filters: ItemFiltersSchema,
    list: (ctx, values, limit) => listItems(ctx, path, values, limit),
    get: (ctx, iid) => getItem(ctx, path, iid),
    create: (ctx, values) => create(ctx, subjectFromBody(values), values),
    remove: async (ctx, iid) => {
      await deleteItem(ctx, noun, iid);
    },
  };
}

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

export const activities: Resource<Record<string, unknown>> = {
  ...items(
    "activities",
    "activity",
    { schema: ActivitySchema, required: ["kind", "occurred_at"] },
    z.object({ id, kind: z.enum(["call", "meeting", "email"]), occurred_at: time, duration_minutes: z.number().int().nullable(), outcome: text, body: z.string(), author_id: id.nullable(), ...subject, created_at: time }),
    addActivity,
  ),
  patch: { schema: ActivitySchema },
  update: (ctx, aid, values) => updateActivity(ctx, aid, values),
  // occurred_at is a wall-clock time in the workspace's zone, as the form has it.
  formOf: async (a, ctx) => ({
    kind: str(a.kind),
    occurred_at: localInputValue(new Date(a.occurred_at as Date), await inTransaction(ctx, workspaceZone)),
    duration_minutes: str(a.duration_minutes),
    outcome: str(a.outcome),
    body: str(a.body),
  }),
};
export const notes: Resource<Record<string, unknown>> = {
  ...items("notes", "note", { schema: NoteSchema, required: ["body"] }, z.object({ id, body: z.string(), author_id: id.nullable(), ...subject, created_at: time, updated_at: time }), addNote),
  patch: { schema: NoteSchema },
  update: (ctx, nid, values) => updateNote(ctx, nid, values),
  formOf: (n) => ({ body: str(n.body) }),
};
export const tasks: Resource<Record<string, unknown>> = {
  ...items(
    "tasks",
    "task",
    { schema: TaskSchema, required: ["title"] },
    z.object({ id, title: z.string(), due_on: z.string().nullable(), assignee_id: id.nullable(), done_at: time.nullable(), author_id: id.nullable(), ...subject, created_at: time }),
    addTask,
  ),
  patch: { schema: TaskSchema, extra: { done: z.boolean().describe("Tick the task done (true) or open again (false).") } },
  update: async (ctx, tid, values, _custom, body) => {
    if (body.done !== undefined && typeof body.done !== "boolean") throw new Invalid({ done: "Give done as true or false." });
    if (["title", "due_on", "assignee_id"].some((k) => k in body)) await updateTask(ctx, tid, values);
    if (typeof body.done === "boolean") await setTaskDone(ctx, tid, body.done);
  },
  formOf: (k) => ({ title: str(k.title), due_on: str(k.due_on), assignee_id: str(k.assignee_id) }),
};

const DefinitionOut = z.object({ id, object: z.enum(CRM_OBJECTS), key: z.string(), label: z.string(), type: z.enum(FIELD_TYPES), options: z.array(z.string()), required: z.boolean(), position: z.number().int() });
const DefinitionCreate = z.object({ object: z.enum(CRM_OBJECTS), label: z.string().max(100), type: z.enum(FIELD_TYPES), options: z.string(), required: z.boolean() });

export const customFieldDefinitions: Resource<CustomFieldDef> = {
  path: "custom-field-definitions",
  noun: "custom field definition",
  form: { schema: DefinitionCreate, lists: { options: { maxItems: 50 } }, required: ["object", "label", "type"] },
  patch: { schema: DefinitionCreate.pick({ label: true, options: true, required: true }).extend({ position: z.number().int().min(0).max(9999) }), lists: { options: { maxItems: 50 } } },
  item: DefinitionOut,
  row: DefinitionOut,
  filters: noFilters,
  list: async (ctx) => ({ rows: Object.values(await listDefinitions(ctx)).flat(), next: null }),
  get: getDefinition,
  create: async (ctx, values) => (await createDefinition(ctx, values)).id,
  update: async (ctx, did, values) => {
    await updateDefinition(ctx, did, values);
  },
  remove: async (ctx, did) => {
    await deleteDefinition(ctx, did);
  },
  formOf: (d) => ({ label: d.label, options: d.options.join("\n"), required: d.required ? "1" : "", position: String(d.position) }),
};
