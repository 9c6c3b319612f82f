import { sql, type RawBuilder } from "kysely";
import { z } from "zod";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound, type FieldErrors } from "../errors.ts";
import type { CrmObject } from "../schema.ts";
import { authorize, can } from "../tenancy/permissions.ts";
import { withNames } from "./audit-names.ts";
import { isUuid, memberOptions } from "./shared.ts";

// What hangs off a company, contact, lead or deal (its "subject"), and the record's timeline: activities, notes,
// tasks, files and the record's own audit events, merged newest first and paginated by keyset.

export const TIMELINE_PAGE_SIZE = 20;

/** URL segment and table of each kind of record. */
export const PLURALS = { company: "companies", contact: "contacts", lead: "leads", deal: "deals" } as const satisfies Record<CrmObject, string>;
export const SUBJECT_COLUMNS = { company: "company_id", contact: "contact_id", lead: "lead_id", deal: "deal_id" } as const satisfies Record<CrmObject, string>;

export interface SubjectRef {
  kind: CrmObject;
  id: string;
}

export interface SubjectInfo extends SubjectRef {
  label: string;
}

export function kindFromPlural(plural: string): CrmObject | null {
  const hit = Object.entries(PLURALS).find(([, p]) => p === plural);
  return hit ? (hit[0] as CrmObject) : null;
}

/** The subject columns of an item row, as an insert wants them: exactly one set. */
export function subjectValues(ref: SubjectRef) {
  return { company_id: null, contact_id: null, lead_id: null, deal_id: null, [SUBJECT_COLUMNS[ref.kind]]: ref.id };
}

/** Which record an item row hangs off (tasks may hang off none). */
export function subjectOf(row: { company_id: string | null; contact_id: string | null; lead_id: string | null; deal_id: string | null }): SubjectRef | null {
  for (const [kind, col] of Object.entries(SUBJECT_COLUMNS) as [CrmObject, keyof typeof row][]) {
    if (row[col]) return { kind, id: row[col]! };
  }
  return null;
}

/** A record's display name, as SQL over its own table (alias s). */
export function subjectLabelSql(kind: CrmObject): RawBuilder<string> {
  switch (kind) {
    case "company":
      return sql<string>`s.name`;
    case "contact":
      return sql<string>`coalesce(nullif(trim(s.first_name || ' ' || s.last_name), ''), s.emails[1], 'Contact')`;
    case "lead":
      return sql<string>`s.name`;
    case "deal":
      return sql<string>`s.title`;
  }
}

/** The record, in this workspace (row-level security sees to that), or 404. Call inside a transaction. */
export async function findSubject(tx: Ctx, ref: SubjectRef): Promise<SubjectInfo> {
  if (!isUuid(ref.id) || !(ref.kind in PLURALS)) throw new NotFound();
  const r = await sql<{ label: string }>`
    select ${subjectLabelSql(ref.kind)} as label from ${sql.table(PLURALS[ref.kind])} s
    where s.tenant_id = ${tx.tenantId} and s.id = ${ref.id}`.execute(tx.db);
  if (!r.rows[0]) throw new NotFound();
  return { ...ref, label: r.rows[0].label };
}

/** findSubject() and workspaceZone() in one statement: a record page reads both. */
async function subjectInZone(tx: Ctx, ref: SubjectRef): Promise<{ subject: SubjectInfo; timeZone: string }> {
  if (!isUuid(ref.id) || !(ref.kind in PLURALS)) throw new NotFound();
  const r = await sql<{ label: string; time_zone: string | null }>`
    select ${subjectLabelSql(ref.kind)} as label, (select t.time_zone from tenants t where t.id = ${tx.tenantId}) as time_zone
    from ${sql.table(PLURALS[ref.kind])} s
    where s.tenant_id = ${tx.tenantId} and s.id = ${ref.id}`.execute(tx.db);
  if (!r.rows[0]) throw new NotFound();
  return { subject: { ...ref, label: r.rows[0].label }, timeZone: r.rows[0].time_zone ?? "UTC" };
}

/** Parses form values with a schema, or throws Invalid with one message per field. */
export function parseValues<S extends z.ZodType>(schema: S, values: Record<string, string>): z.output<S> {
  // Postgres text cannot hold NUL: dropped here, or a stray byte in a form would be a 500 instead of a save.
  const clean = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v.replaceAll("\u0000", "") : v]));
  const r = schema.safeParse(clean);
  if (r.success) return r.data;
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) errors[String(issue.path[0] ?? "_form")] ??= issue.message;
  throw new Invalid(errors);
}

/** The acting user, when a person acts (author and assignee columns reference users). */
export const actingUserId = (ctx: Ctx) => (ctx.actor?.type === "user" ? ctx.actor.id : null);

// ---- time zones: forms and "today" are in the workspace's zone; the database keeps instants ----

export async function workspaceZone(tx: Ctx): Promise<string> {
  const row = await tx.db.selectFrom("tenants").select("time_zone").where("id", "=", tx.tenantId!).executeTakeFirst();
  return row?.time_zone ?? "UTC";
}

// One formatter per zone, kept: building one costs far more than using it (zones are a fixed set of names).
const WALL_CLOCKS = new Map<string, Intl.DateTimeFormat>();

function wallClock(at: Date, timeZone: string) {
  let f = WALL_CLOCKS.get(timeZone);
  if (!f) {
    if (WALL_CLOCKS.size >= 1000) WALL_CLOCKS.clear(); // a bound, whatever spellings of zones arrive
    WALL_CLOCKS.set(timeZone, (f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })));
  }
  const parts = f.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}`, seconds: get("second") };
}

/** The calendar day of an instant in a zone, YYYY-MM-DD. */
export const dayInZone = (at: Date, timeZone: string) => wallClock(at, timeZone).date;

/** An instant as a datetime-local value in a zone, YYYY-MM-DDTHH:MM. */
export function localInputValue(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${w.date}T${w.time}`;
}

/** A wall-clock time in a zone (YYYY-MM-DDTHH:MM[:SS]) as an instant. Like Temporal's "compatible": a time in a
 * spring-forward gap moves forward by the gap; an ambiguous autumn time takes the earlier reading. */
export function zonedToInstant(local: string, timeZone: string): Date {
  const full = local.length === 16 ? `${local}:00` : local;
  const asUtc = Date.parse(`${full}Z`);
  const offset = (at: number) => {
    const w = wallClock(new Date(at), timeZone);
    return Date.parse(`${w.date}T${w.time}:${w.seconds}Z`) - Math.floor(at / 1000) * 1000;
  };
  const o1 = offset(asUtc);
  const t1 = asUtc - o1;
  const o2 = offset(t1);
  if (o1 === o2) return new Date(t1);
  const t2 = asUtc - o2;
  const w = wallClock(new Date(t2), timeZone);
  return new Date(`${w.date}T${w.time}:${w.seconds}` === full ? t2 : Math.max(t1, t2));
}

// ---- the timeline ----

export type TimelineItem =
  | { type: "activity"; id: string; at: Date; kind: "call" | "meeting" | "email"; durationMinutes: number | null; outcome: string | null; body: string; author: string | null }
  | { type: "note"; id: string; at: Date; body: string; author: string | null }
  | { type: "task"; id: string; at: Date; title: string; dueOn: string | null; doneAt: Date | null; assignee: string | null; author: string | null }
  | { type: "attachment"; id: string; at: Date; filename: string; contentType: string; sizeBytes: number; author: string | null }
  | { type: "audit"; id: string; at: Date; action: string; actor: string | null; changes: Record<string, unknown> | null }
  | { type: "message"; id: string; at: Date; threadId: string; direction: "in" | "out"; channel: string; counterpart: string; subject: string | null; excerpt: string; status: string; author: string | null };

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f-]{36})$/;

/** An opaque "Older" position: the exact timestamp (microseconds) and id of the last item shown. */
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString("base64url");

/** A cursor from a URL; anything malformed means the first page (a bad link must never break a record page). */
export function decodeCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  if (!cursor || cursor.length > 200) return null;
  const m = CURSOR.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m || !isUuid(m[2]!) || Number.isNaN(Date.parse(m[1]!))) return null;
  return { at: m[1]!, id: m[2]! };
}

/** One page of a record's timeline, newest first, and the cursor of the next (older) page. */
export async function recordTimeline(ctx: Ctx, kind: CrmObject, id: string, cursor?: string | null): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    await findSubject(tx, { kind, id });
    return timelinePage(tx, { kind, id }, decodeCursor(cursor));
  });
}

async function timelinePage(tx: Ctx, ref: SubjectRef, cur: { at: string; id: string } | null) {
  const n = TIMELINE_PAGE_SIZE + 1;
  const col = sql.ref(SUBJECT_COLUMNS[ref.kind]);
  const after = (at: string) => (cur ? sql`and (${sql.ref(at)}, id) < (${cur.at}::timestamptz, ${cur.id}::uuid)` : sql``);
  // Each branch is already limited by its own index order, so the merge reads at most 5 × 21 rows.
  const part = (type: string, table: string, at: string) => sql`(
    select ${type}::text as type, id, ${sql.ref(at)} as at from ${sql.table(table)}
    where tenant_id = ${tx.tenantId} and ${col} = ${ref.id} ${after(at)}
    order by ${sql.ref(at)} desc, id desc limit ${n})`;
  const keys = await sql<{ type: TimelineItem["type"]; id: string; at_key: string }>`
    select type, id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_key from (
      ${part("activity", "activities", "occurred_at")}
      union all ${part("note", "notes", "created_at")}
      union all ${part("task", "tasks", "created_at")}
      union all ${part("attachment", "attachments", "created_at")}
      union all ${part("message", "messages", "created_at")}
      union all (
        select 'audit', id, created_at from audit_events
        where tenant_id = ${tx.tenantId} and target_type = ${ref.kind} and target_id = ${ref.id} ${after("created_at")}
        order by created_at desc, id desc limit ${n})
    ) t order by at desc, id desc limit ${n}`.execute(tx.db);
  const page = keys.rows.slice(0, TIMELINE_PAGE_SIZE);
  const last = page[page.length - 1];
  const nextCursor = keys.rows.length > TIMELINE_PAGE_SIZE && last ? encodeCursor(last.at_key, last.id) : null;
  const byId = await itemDetails(tx, page);
  return { items: page.map((k) => byId.get(k.id)).filter((x): x is TimelineItem => !!x), nextCursor };
}

async function itemDetails(tx: Ctx, keys: { type: TimelineItem["type"]; id: string }[]): Promise<Map<string, TimelineItem>> {
  const ids = (type: TimelineItem["type"]) => keys.filter((k) => k.type === type).map((k) => k.id);
  const out = new Map<string, TimelineItem>();
  const author = sql<string | null>`(select name from users u where u.id = x.author_id)`.as("author");
  const a = ids("activity");
  if (a.length) {
    const rows = await tx.db.selectFrom("activities as x").select(["x.id", "x.kind", "x.occurred_at", "x.duration_minutes", "x.outcome", "x.body", author]).where("x.id", "in", a).execute();
    for (const r of rows) out.set(r.id, { type: "activity", id: r.id, at: r.occurred_at, kind: r.kind, durationMinutes: r.duration_minutes, outcome: r.outcome, body: r.body, author: r.author });
  }
  const n = ids("note");
  if (n.length) {
    const rows = await tx.db.selectFrom("notes as x").select(["x.id", "x.body", "x.created_at", author]).where("x.id", "in", n).execute();
    for (const r of rows) out.set(r.id, { type: "note", id: r.id, at: r.created_at, body: r.body, author: r.author });
  }
  const t = ids("task");
  if (t.length) {
    // postgres.js would turn a date into a midnight Date in the server's zone; a day is text here.
    const assignee = sql<string | null>`(select name from users u where u.id = x.assignee_id)`.as("assignee");
    const rows = await tx.db.selectFrom("tasks as x").select(["x.id", "x.title", sql<string | null>`x.due_on::text`.as("due_on"), "x.done_at", "x.created_at", author, assignee]).where("x.id", "in", t).execute();
    for (const r of rows) out.set(r.id, { type: "task", id: r.id, at: r.created_at, title: r.title, dueOn: r.due_on, doneAt: r.done_at, assignee: r.assignee, author: r.author });
  }
  const f = ids("attachment");
  if (f.length) {
    // Never the file's bytes: the timeline shows what the file is, the download serves it.
    const rows = await tx.db.selectFrom("attachments as x").select(["x.id", "x.filename", "x.content_type", "x.size_bytes", "x.created_at", author]).where("x.id", "in", f).execute();
    for (const r of rows) out.set(r.id, { type: "attachment", id: r.id, at: r.created_at, filename: r.filename, contentType: r.content_type, sizeBytes: r.size_bytes, author: r.author });
  }
  const m = ids("message");
  if (m.length) {
    // An excerpt only: the thread page shows the whole message, and a record page stays light.
    const sender = sql<string | null>`(select name from users u where u.id = x.sent_by)`.as("author");
    const rows = await tx.db.selectFrom("messages as x").select(["x.id", "x.thread_id", "x.direction", "x.channel", "x.from_address", "x.to_address", "x.subject", sql<string>`left(x.body, 240)`.as("excerpt"), "x.status", "x.created_at", sender]).where("x.id", "in", m).execute();
    for (const r of rows) out.set(r.id, { type: "message", id: r.id, at: r.created_at, threadId: r.thread_id, direction: r.direction, channel: r.channel, counterpart: r.direction === "in" ? r.from_address : r.to_address, subject: r.subject, excerpt: r.excerpt, status: r.status, author: r.author });
  }
  const e = ids("audit");
  if (e.length) {
    const rows = await tx.db.selectFrom("audit_events").select(["id", "action", "actor_type", "actor_label", "changes", "created_at"]).where("id", "in", e).execute();
    const named = await withNames(tx, rows.map((r) => r.changes));
    for (const [i, r] of rows.entries()) {
      const actor = r.actor_type === "system" ? "system" : (r.actor_label ?? null);
      out.set(r.id, { type: "audit", id: r.id, at: r.created_at, action: r.action, actor, changes: named[i] ?? null });
    }
  }
  return out;
}

/** Everything the timeline section needs, but the workspace slug. Record pages spread it into <TimelineSection>. */
export interface TimelineData {
  kind: CrmObject;
  id: string;
  /** The URL segment of the kind (contacts…). */
  plural: string;
  label: string;
  items: TimelineItem[];
  nextCursor: string | null;
  /** Whether this is a later page (the section then links back to the newest). */
  paged: boolean;
  members: { id: string; name: string }[];
  canEdit: boolean;
  timeZone: string;
  /** Today in the workspace's zone, YYYY-MM-DD: overdue tasks are marked. */
  today: string;
  /** The activity form's default time, now in the workspace's zone. */
  nowLocal: string;
  /** The acting user, the task form's default assignee. */
  userId: string | null;
}

export async function loadTimeline(ctx: Ctx, kind: CrmObject, id: string, cursor?: string | null): Promise<TimelineData> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const { subject, timeZone } = await subjectInZone(tx, { kind, id });
    const cur = decodeCursor(cursor);
    const { items, nextCursor } = await timelinePage(tx, subject, cur);
    const canEdit = can(tx.actor?.role, "records.edit");
    return {
      kind,
      id,
      plural: PLURALS[kind],
      label: subject.label,
      items,
      nextCursor,
      paged: !!cur,
      members: canEdit ? await memberOptions(tx) : [],
      canEdit,
      timeZone,
      today: dayInZone(tx.now, timeZone),
      nowLocal: localInputValue(tx.now, timeZone),
      userId: actingUserId(tx),
    };
  });
}
