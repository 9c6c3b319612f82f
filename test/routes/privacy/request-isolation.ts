import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The requests' part of the cross-tenant route table (test/routes/isolation/privacy.ts merges it): a pending
// erasure request and a contact, and what must not change when another workspace tries every route on them.

const request = (s: Record<string, string>) => ({ id: s.requestId! });

export const requestsIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/privacy/requests/:id": { ids: request },
    "POST /t/:slug/privacy/requests/:id/reveal": { ids: request },
    "POST /t/:slug/privacy/requests/:id/approval": { ids: request },
    "POST /t/:slug/privacy/requests/:id/denial": { ids: request, body: { reason: "Not ours" } },
    "POST /t/:slug/privacy/requests/:id/scheduling": { ids: request },
    "POST /t/:slug/privacy/requests/:id/processing": { ids: request },
    "POST /t/:slug/privacy/requests/:id/completion": { ids: request },
    "POST /t/:slug/privacy/requests/:id/retry": { ids: request },
    "POST /t/:slug/privacy/requests/:id/cancellation": { ids: request },
    "GET /t/:slug/privacy/requests/:id/certificate.json": { ids: request },
    "GET /t/:slug/privacy/people/:kind/:id": { ids: (s) => ({ kind: "contact", id: s.requestContactId! }) },
    "POST /t/:slug/privacy/people/:kind/:id/erasure": { ids: (s) => ({ kind: "contact", id: s.requestContactId! }), body: {} },
  },
  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const requestId = Bun.randomUUIDv7();
    const requestContactId = Bun.randomUUIDv7();
    const email = `${marker.toLowerCase()}.subject@example.com`;
    await t.su`insert into contacts (tenant_id, id, first_name, emails, created_at, updated_at) values (${tenantId}, ${requestContactId}, ${`Subject ${marker}`}, ${[email]}, now(), now())`;
    await t.su`insert into privacy_requests (tenant_id, id, type, source, subject_kind, subject_contact_id, subject_email, requester_email, details, state, received_at, due_at, verified_at, updated_at)
      values (${tenantId}, ${requestId}, 'erasure', 'staff', 'contact', ${requestContactId}, ${email}, ${email}, ${`Details ${marker}`}, 'pending', now(), now() + interval '30 days', now(), now())`;
    return { requestId, requestContactId };
  },
  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select r.state, r.subject_email, r.reason, (select count(*)::int from privacy_request_events e where e.request_id = r.id) as events,
      (select first_name from contacts where id = ${s.requestContactId!}) as contact from privacy_requests r where r.id = ${s.requestId!}`;
    return row;
  },
};
