import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { EmailSchema } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { ledgerForRequest } from "./ledger.ts";
import { findPersonRef, peopleByEmail, type PersonRef } from "./request-people.ts";
import type { PrivacyRequestEventsTable, RequestState, RequestType, SubjectKind } from "./request-tables.ts";
import { applyAction, loadRequest, type PrivacyRequest } from "./request-transitions.ts";
import { OPEN_STATES, STATES } from "./state-machine.ts";

// P18: the privacy team's queue. Every request is due 30 days after it was received; the queue shows what is due
// within 7 days and what is overdue, with counts per state.

export const DUE_DAYS = 30;
export const DUE_SOON_DAYS = 7;
const DAY = 86_400_000;

export const REQUEST_TYPES: RequestType[] = ["access", "erasure", "rectification"];
export const TYPE_LABELS: Record<RequestType, string> = { access: "Access (a copy of the data)", erasure: "Erasure", rectification: "Rectification (a correction)" };

const optionalEmail = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), EmailSchema.optional());

export const StaffRequestSchema = z
  .object({
    type: z.enum(REQUEST_TYPES, { error: "Choose the kind of request." }),
    subject_email: optionalEmail,
    requester_email: optionalEmail,
    subject: z
      .string()
      .regex(/^(contact|lead):[0-9a-f-]{36}$/i, { error: "Choose the person from the list." })
      .optional()
      .or(z.literal("").transform(() => undefined)),
    details: z.string().trim().max(2000, { error: "Use at most 2000 characters." }).optional(),
  })
  .refine((v) => v.subject_email || v.subject, { path: ["subject_email"], error: "Enter the address of the person the request is about." });
export type StaffRequestInput = z.output<typeof StaffRequestSchema>;

/** Inserts a request in identity_unverified, with its first event and audit. Staff-logged ones are verified at once. */
export async function insertRequest(
  tx: Ctx,
  r: { type: RequestType; source: "staff" | "public"; subject: { kind: SubjectKind; id?: string | null; email?: string | null }; requesterEmail?: string | null; details?: string | null },
): Promise<PrivacyRequest> {
  const row: PrivacyRequest = {
    tenant_id: tx.tenantId!,
    id: Bun.randomUUIDv7(),
    type: r.type,
    source: r.source,
    subject_kind: r.subject.kind,
    subject_user_id: r.subject.kind === "user" ? (r.subject.id ?? null) : null,
    subject_contact_id: r.subject.kind === "contact" ? (r.subject.id ?? null) : null,
    subject_lead_id: r.subject.kind === "lead" ? (r.subject.id ?? null) : null,
    subject_email: r.subject.email?.trim() || null,
    requester_email: r.requesterEmail?.trim() || null,
    details: r.details?.trim() || null,
    state: "identity_unverified",
    received_at: tx.now,
    due_at: new Date(tx.now.getTime() + DUE_DAYS * DAY),
    verified_at: null,
    decided_by: null,
    decided_at: null,
    reason: null,
    scheduled_for: null,
    completed_at: null,
    failure: null,
    result_counts: {},
    created_by: tx.actor?.type === "user" ? tx.actor.id : null,
    updated_at: tx.now,
  };
  await tx.db.insertInto("privacy_requests").values(row).execute();
  await tx.db
    .insertInto("privacy_request_events")
    .values({ tenant_id: row.tenant_id, id: Bun.randomUUIDv7(), request_id: row.id, action: "receive", from_state: null, to_state: row.state, actor_id: row.created_by, created_at: tx.now })
    .execute();
  await audit(tx, "privacy_request.received", { type: "privacy_request", id: row.id }, { type: row.type, source: row.source, subject_kind: row.subject_kind });
  return row;
}

/** A request logged by the privacy team (who checked the requester's identity themselves): pending at once. */
export async function createStaffRequest(ctx: Ctx, input: StaffRequestInput): Promise<string> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    let subject: { kind: SubjectKind; id?: string; email?: string | null } = { kind: "email", email: input.subject_email ?? null };
    if (input.subject) {
      const [kind, id] = input.subject.split(":") as ["contact" | "lead", string];
      const person = await findPersonRef(tx, kind, id).catch(() => {
        throw new Invalid({ subject: "That person is not in this workspace any more." });
      });
      subject = { kind, id: person.id, email: input.subject_email ?? person.emails[0] ?? null };
    }
    const req = await insertRequest(tx, { type: input.type, source: "staff", subject, requesterEmail: input.requester_email ?? subject.email, details: input.details });
    await applyAction(tx, req, { type: "verify" });
    return req.id;
  });
}

export interface QueueFilters {
  state?: RequestState;
  type?: RequestType;
  due?: "soon" | "overdue";
  after?: string;
}

export const QueueFilterSchema = z.object({
  state: z.enum(STATES as [RequestState, ...RequestState[]]).optional().catch(undefined),
  type: z.enum(REQUEST_TYPES).optional().catch(undefined),
  due: z.enum(["soon", "overdue"]).optional().catch(undefined),
  after: z.uuid().optional().catch(undefined),
});

export interface QueueRow {
  id: string;
  type: RequestType;
  state: RequestState;
  subject_kind: SubjectKind;
  subject_label: string | null;
  requester_email: string | null;
  received_at: Date;
  due_at: Date;
  completed_at: Date | null;
}

const PAGE = 50;

/** The queue, oldest due first, one page at a time (keyset on due date and id). */
export async function listRequests(ctx: Ctx, f: QueueFilters): Promise<{ rows: QueueRow[]; next: string | null }> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    let q = tx.db
      .selectFrom("privacy_requests as r")
      .leftJoin("contacts as c", (j) => j.onRef("c.tenant_id", "=", "r.tenant_id").onRef("c.id", "=", "r.subject_contact_id"))
      .leftJoin("leads as l", (j) => j.onRef("l.tenant_id", "=", "r.tenant_id").onRef("l.id", "=", "r.subject_lead_id"))
      .leftJoin("users as u", "u.id", "r.subject_user_id")
      .select(["r.id", "r.type", "r.state", "r.subject_kind", "r.requester_email", "r.received_at", "r.due_at", "r.completed_at"])
      .select(sql<string | null>`coalesce(nullif(trim(c.first_name || ' ' || c.last_name), ''), l.name, u.name, r.subject_email)`.as("subject_label"))
      .where("r.tenant_id", "=", tx.tenantId!);
    if (f.state) q = q.where("r.state", "=", f.state);
    if (f.type) q = q.where("r.type", "=", f.type);
    if (f.due === "soon") q = q.where("r.state", "in", OPEN_STATES).where("r.due_at", ">=", tx.now).where("r.due_at", "<", new Date(tx.now.getTime() + DUE_SOON_DAYS * DAY));
    if (f.due === "overdue") q = q.where("r.state", "in", OPEN_STATES).where("r.due_at", "<", tx.now);
    if (f.after) {
      const after = f.after;
      q = q.where(sql<boolean>`(r.due_at, r.id) > (select p.due_at, p.id from privacy_requests p where p.tenant_id = ${tx.tenantId}::uuid and p.id = ${after}::uuid)`);
    }
    const rows = await q.orderBy("r.due_at").orderBy("r.id").limit(PAGE + 1).execute();
    return { rows: rows.slice(0, PAGE), next: rows.length > PAGE ? rows[PAGE - 1]!.id : null };
  });
}

/** How many requests are in each state, and how many open ones are due soon or overdue. */
export async function queueCounts(ctx: Ctx): Promise<{ byState: Record<RequestState, number>; dueSoon: number; overdue: number }> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("privacy_requests")
      .select(["state", (eb) => eb.fn.countAll<string>().as("n")])
      .select(sql<string>`count(*) filter (where due_at >= ${tx.now} and due_at < ${new Date(tx.now.getTime() + DUE_SOON_DAYS * DAY)} and state in ${sql.raw(`('${OPEN_STATES.join("','")}')`)})`.as("soon"))
      .select(sql<string>`count(*) filter (where due_at < ${tx.now} and state in ${sql.raw(`('${OPEN_STATES.join("','")}')`)})`.as("late"))
      .where("tenant_id", "=", tx.tenantId!)
      .groupBy("state")
      .execute();
    const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<RequestState, number>;
    let dueSoon = 0;
    let overdue = 0;
    for (const r of rows) {
      byState[r.state] = Number(r.n);
      dueSoon += Number(r.soon);
      overdue += Number(r.late);
    }
    return { byState, dueSoon, overdue };
  });
}

export interface RequestDetail {
  request: PrivacyRequest;
  events: (Pick<PrivacyRequestEventsTable, "id" | "action" | "from_state" | "to_state" | "created_at"> & { actor_name: string | null })[];
  subject: PersonRef | { kind: "user"; id: string; name: string; emails: string[] } | null;
  matches: PersonRef[];
}

/** One request with its events, its subject and the CRM people its address matches (P23). */
export async function requestDetail(ctx: Ctx, id: string): Promise<RequestDetail> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const request = await loadRequest(tx, id);
    const events = await tx.db
      .selectFrom("privacy_request_events as e")
      .leftJoin("users as u", "u.id", "e.actor_id")
      .select(["e.id", "e.action", "e.from_state", "e.to_state", "e.created_at", "u.name as actor_name"])
      .where("e.tenant_id", "=", tx.tenantId!)
      .where("e.request_id", "=", id)
      .orderBy("e.created_at")
      .orderBy("e.id")
      .execute();
    let subject: RequestDetail["subject"] = null;
    if (request.subject_contact_id) subject = await findPersonRef(tx, "contact", request.subject_contact_id);
    else if (request.subject_lead_id) subject = await findPersonRef(tx, "lead", request.subject_lead_id);
    else if (request.subject_user_id) {
      const u = await tx.db.selectFrom("users").select(["id", "name", "email"]).where("id", "=", request.subject_user_id).executeTakeFirst();
      if (u) subject = { kind: "user", id: u.id, name: u.name, emails: [u.email] };
    }
    const matches = request.subject_email ? (await peopleByEmail(tx, [request.subject_email])).filter((p) => !(subject && p.id === subject.id)) : [];
    return { request, events, subject, matches };
  });
}

/** The request page with its personal data shown, once, and the reveal recorded (pii.revealed). */
export async function revealRequest(ctx: Ctx, id: string): Promise<RequestDetail> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const detail = await requestDetail(tx, id);
    await audit(tx, "pii.revealed", { type: "privacy_request", id }, { fields: ["requester_email", "subject"] });
    return detail;
  });
}

/** P18: the record a completed request leaves: ids, type, dates and counts per table, never personal data. */
export async function requestCertificate(ctx: Ctx, id: string) {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const r = await loadRequest(tx, id);
    if (r.state !== "completed") throw new Conflict("A certificate exists once the request is completed.");
    const ledger = await ledgerForRequest(tx, id);
    await audit(tx, "privacy_certificate.downloaded", { type: "privacy_request", id });
    return {
      format: "steward.privacy-certificate/1",
      request_id: r.id,
      workspace_id: r.tenant_id,
      type: r.type,
      subject_kind: r.subject_kind,
      source: r.source,
      received_at: r.received_at.toISOString(),
      due_at: r.due_at.toISOString(),
      verified_at: r.verified_at?.toISOString() ?? null,
      decided_at: r.decided_at?.toISOString() ?? null,
      completed_at: r.completed_at!.toISOString(),
      answered_in_days: Math.round(((r.completed_at!.getTime() - r.received_at.getTime()) / DAY) * 10) / 10,
      on_time: r.completed_at!.getTime() <= r.due_at.getTime(),
      counts: r.result_counts,
      ledger: ledger.map((e) => ({ id: e.id, table: e.table_name, action: e.action, rows: e.rows, at: e.erased_at.toISOString() })),
    };
  });
}
