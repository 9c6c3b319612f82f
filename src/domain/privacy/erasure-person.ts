import { audit } from "../audit/audit.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Conflict, Invalid } from "../errors.ts";
import { enqueue } from "../queue.ts";
import { authorize } from "../tenancy/permissions.ts";
import { countErasure, newPseudonym, planErasure, readCatalogue, runErasure, type Subjects } from "./erasure-engine.ts";
import { closePeople, findPersonRef, peopleByEmail, type PersonRef } from "./request-people.ts";
import type { Counts, SubjectKind } from "./request-tables.ts";
import { applyAction, loadRequest, type PrivacyRequest } from "./request-transitions.ts";
import { insertRequest } from "./requests.ts";

// P23: a contact or lead has the right to be erased across everything that mentions them. The preview and the
// erasure both come from the data map (subjects contact, lead and email), so a module that maps its tables is
// covered without a line here.

const PERSON_KINDS = new Set<SubjectKind>(["contact", "lead", "email"]);

export interface PersonPreview {
  person: PersonRef;
  /** Everyone erased with them: same address, or the lead they were converted from. */
  people: PersonRef[];
  counts: Counts;
  /** Open erasure requests about them, to link. */
  requests: Pick<PrivacyRequest, "id" | "state" | "received_at" | "due_at">[];
}

export async function previewPerson(ctx: Ctx, kind: string, id: string): Promise<PersonPreview> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const person = await findPersonRef(tx, kind, id);
    const { people, subjects } = await closePeople(tx, [person]);
    const cat = await readCatalogue(tx.db);
    const counts = await countErasure(tx, tx.tenantId, planErasure(cat, PERSON_KINDS, "person", "tenant"), subjects);
    const requests = await tx.db
      .selectFrom("privacy_requests")
      .select(["id", "state", "received_at", "due_at"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("type", "=", "erasure")
      .where("state", "in", ["pending", "approved", "scheduled", "failed"])
      .where((eb) => eb.or([eb("subject_contact_id", "in", subjects.contactIds.length ? subjects.contactIds : [id]), eb("subject_lead_id", "in", subjects.leadIds.length ? subjects.leadIds : [id])]))
      .orderBy("received_at")
      .limit(20)
      .execute();
    return { person, people, counts, requests };
  });
}

/**
 * Schedules the erasure of a person now, as one job. With a request (erasure, approved or pending), that request
 * is the one completed; without, the privacy team's action is itself logged as a request (so every erasure has a
 * record and a certificate). Returns the request id.
 */
export async function erasePersonLater(ctx: Ctx, kind: string, id: string, requestId?: string): Promise<string> {
  authorize(ctx, "privacy.manage");
  return inTransaction(ctx, async (tx) => {
    const person = await findPersonRef(tx, kind, id);
    let req: PrivacyRequest;
    if (requestId) {
      req = await loadRequest(tx, requestId, { lock: true }).catch(() => {
        throw new Invalid({ request_id: "That request is not in this workspace." });
      });
      if (req.type !== "erasure") throw new Invalid({ request_id: "That request is not an erasure request." });
      if (!req.subject_contact_id && !req.subject_lead_id) {
        await tx.db
          .updateTable("privacy_requests")
          .set(person.kind === "contact" ? { subject_contact_id: person.id } : { subject_lead_id: person.id })
          .where("tenant_id", "=", req.tenant_id)
          .where("id", "=", req.id)
          .execute();
      }
    } else {
      req = await insertRequest(tx, { type: "erasure", source: "staff", subject: { kind: person.kind, id: person.id } });
      req = await applyAction(tx, req, { type: "verify" });
    }
    if (req.state === "pending") req = await applyAction(tx, req, { type: "approve" });
    if (req.state !== "approved") throw new Conflict("That request cannot be scheduled now: see its page.");
    await applyAction(tx, req, { type: "schedule", at: tx.now });
    await audit(tx, "person.erasure_scheduled", { type: person.kind, id: person.id }, { request: req.id });
    await enqueue(tx, "person-erasure", { tenantId: req.tenant_id, requestId: req.id }, { jobKey: `person-erasure:${req.id}`, maxAttempts: 1 });
    return req.id;
  });
}

/** The people a request is about: its contact or lead, and those its address matches, closed over. */
async function requestSubjects(tx: Ctx, req: PrivacyRequest): Promise<{ people: PersonRef[]; subjects: Subjects }> {
  const start: PersonRef[] = [];
  if (req.subject_contact_id) start.push(await findPersonRef(tx, "contact", req.subject_contact_id));
  if (req.subject_lead_id) start.push(await findPersonRef(tx, "lead", req.subject_lead_id));
  if (req.subject_email) start.push(...(await peopleByEmail(tx, [req.subject_email])));
  const closed = await closePeople(tx, start, req.subject_email ? [req.subject_email] : []);
  if (req.subject_user_id) closed.subjects.userIds.push(req.subject_user_id);
  return closed;
}

/**
 * The job: erases everything the data map links to the request's people, in one transaction in their workspace
 * (owner role: audit rows are rewritten too), appends the ledger and completes the request with counts per table.
 * A failure marks the request failed (retryable from its page); a rerun of a finished one does nothing.
 */
export async function runPersonErasure(owner: DB, now: Date, tenantId: string, requestId: string): Promise<"done" | "skipped" | "failed"> {
  const ctx = systemCtx(owner, now, tenantId);
  try {
    return await inTransaction(ctx, async (tx) => {
      let req = await loadRequest(tx, requestId, { lock: true });
      if (req.state === "scheduled") {
        if (req.scheduled_for && req.scheduled_for.getTime() > now.getTime()) return "skipped" as const;
        req = await applyAction(tx, req, { type: "start" });
      }
      if (req.state !== "processing") return "skipped" as const;
      const { subjects } = await requestSubjects(tx, req);
      const cat = await readCatalogue(tx.db);
      const kinds = new Set<SubjectKind>(PERSON_KINDS);
      let counts = await runErasure(tx, tenantId, planErasure(cat, kinds, "person", "tenant"), subjects, {
        mode: "person",
        pseudonym: newPseudonym(),
        requestId,
        ledgerSubject: { kind: req.subject_kind, ids: [...subjects.contactIds, ...subjects.leadIds] },
      });
      if (subjects.userIds.length) {
        // A member named in a workspace request: their data in this workspace only (the account is theirs to delete).
        const userCounts = await runErasure(tx, tenantId, planErasure(cat, new Set(["user"]), "user", "tenant"), { userIds: subjects.userIds, contactIds: [], leadIds: [], emails: [] }, {
          mode: "user",
          pseudonym: newPseudonym(),
          requestId,
          ledgerSubject: { kind: "user", ids: subjects.userIds },
        });
        for (const [k, v] of Object.entries(userCounts)) counts = { ...counts, [k]: (counts[k] ?? 0) + v };
      }
      const fresh = await loadRequest(tx, requestId, { lock: true });
      await applyAction(tx, fresh, { type: "complete" }, { result_counts: counts });
      return "done" as const;
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    await inTransaction(ctx, async (tx) => {
      const req = await loadRequest(tx, requestId, { lock: true }).catch(() => null);
      if (req?.state === "processing" || req?.state === "scheduled") {
        const started = req.state === "scheduled" ? await applyAction(tx, req, { type: "start" }) : req;
        await applyAction(tx, started, { type: "fail", failure: `The erasure stopped with an error${code ? ` (${code})` : ""}; nothing was changed. Retry it, or ask an administrator to look at the worker's log.` });
      }
    });
    console.error(JSON.stringify({ level: "error", msg: "person-erasure failed", requestId, error: (err as Error).message }));
    return "failed";
  }
}
