import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { verifyAuditChains } from "../../../src/domain/audit/verify.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";

const t = useTestDatabase();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db });
});

const idFrom = (res: Response) => res.headers.get("location")!.split("?")[0]!.split("/").pop()!;

/** A contact and a lead who are the same person by address, with what hangs off them and a deal they take part in. */
async function seedPerson(a: Account, marker: string) {
  const email = `${marker.toLowerCase()}@example.com`;
  const contact = await a.client.post(`/t/${a.slug}/crm/contacts`, { first_name: marker, last_name: "Person", emails: email });
  expect(contact.status).toBe(303);
  const contactId = idFrom(contact);
  // The lead typed the address in capitals: matching ignores case.
  const lead = await a.client.post(`/t/${a.slug}/crm/leads`, { name: `${marker} Lead`, email: email.toUpperCase() });
  expect(lead.status).toBe(303);
  const leadId = idFrom(lead);
  expect((await a.client.post(`/t/${a.slug}/crm/contacts/${contactId}/notes`, { body: `Note about ${marker}` })).status).toBeLessThan(400);
  expect((await a.client.post(`/t/${a.slug}/crm/leads/${leadId}/tasks`, { title: `Call ${marker}` })).status).toBeLessThan(400);
  const pipeline = crypto.randomUUID();
  const stage = crypto.randomUUID();
  const deal = crypto.randomUUID();
  await t.su`insert into pipelines (tenant_id, id, name, created_at) values (${a.tenantId}, ${pipeline}, 'P', now())`;
  await t.su`insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability) values (${a.tenantId}, ${stage}, ${pipeline}, 'S', 0, 10)`;
  await t.su`insert into deals (tenant_id, id, title, pipeline_id, stage_id, created_at, updated_at) values (${a.tenantId}, ${deal}, 'Kept deal', ${pipeline}, ${stage}, now(), now())`;
  await t.su`insert into deal_contacts (tenant_id, deal_id, contact_id) values (${a.tenantId}, ${deal}, ${contactId})`;
  // Someone else with another address: untouched.
  const bystander = await a.client.post(`/t/${a.slug}/crm/contacts`, { first_name: "Bystander", emails: `bystander.${crypto.randomUUID().slice(0, 8)}@example.com` });
  return { email, contactId, leadId, deal, bystanderId: idFrom(bystander) };
}

describe("CRM person erasure (P23)", () => {
  let owner: Account;
  beforeAll(async () => {
    owner = await createAccount(t, app);
  });

  test("P23 the preview lists everything that mentions the person, by id and by address, for privacy.manage only", async () => {
    const p = await seedPerson(owner, "PREVIEWMARK");
    const url = `/t/${owner.slug}/privacy/people/contact/${p.contactId}`;
    const res = await owner.client.get(url);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("PREVIEWMARK Lead");
    for (const table of ["contacts", "leads", "notes", "tasks", "deal_contacts"]) expect(html).toContain(`<td>${table}</td>`);
    expect(html).not.toContain("Bystander");
    for (const role of ["admin", "member", "viewer"] as const) {
      const m = await memberOf(t, app, owner, role);
      expect((await m.client.get(url)).status).toBe(403);
      expect((await m.client.post(`${url}/erasure`)).status).toBe(403);
    }
    expect((await owner.client.get(`/t/${owner.slug}/privacy/people/deal/${p.contactId}`)).status).toBe(404);
  });

  test("P23 erasure removes the person and everything that mentions them in one audited job, appends the ledger and completes the request", async () => {
    const p = await seedPerson(owner, "ERASEMARK");
    // An outside request about the address, already verified and pending.
    const logged = await owner.client.post(`/t/${owner.slug}/privacy/requests`, { type: "erasure", subject_email: p.email });
    const requestId = idFrom(logged);
    const res = await owner.client.post(`/t/${owner.slug}/privacy/people/contact/${p.contactId}/erasure`, { request_id: requestId });
    expect(res.status).toBe(303);
    expect(idFrom(res)).toBe(requestId);
    const [scheduled] = await t.su`select state from privacy_requests where id = ${requestId}`;
    expect(scheduled!.state).toBe("scheduled");
    await runDueJobs(t, jobDeps(t));
    const [req] = await t.su`select state, result_counts, subject_email, requester_email, subject_contact_id from privacy_requests where id = ${requestId}`;
    expect(req!.state).toBe("completed");
    expect(req!.subject_email).toBeNull();
    expect(req!.requester_email).toBeNull();
    expect(req!.subject_contact_id).toBeNull();
    expect(req!.result_counts).toMatchObject({ contacts: 1, leads: 1, notes: 1, tasks: 1, deal_contacts: 1 });
    // Nothing mentioning them is left in the workspace's tables; the deal and the bystander stay.
    const [left] = await t.su`
      select (select count(*) from contacts where id = ${p.contactId})::int as contacts,
             (select count(*) from leads where id = ${p.leadId})::int as leads,
             (select count(*) from notes where body like '%ERASEMARK%')::int as notes,
             (select count(*) from tasks where title like '%ERASEMARK%')::int as tasks,
             (select count(*) from deal_contacts where contact_id = ${p.contactId})::int as links,
             (select count(*) from deals where id = ${p.deal})::int as deals,
             (select count(*) from contacts where id = ${p.bystanderId})::int as bystander`;
    expect(left).toEqual({ contacts: 0, leads: 0, notes: 0, tasks: 0, links: 0, deals: 1, bystander: 1 });
    // The audit trail keeps the events, without the before/after that quoted them, and still verifies.
    const [quoted] = await t.su`select count(*)::int as n from audit_events where tenant_id = ${owner.tenantId} and changes::text ilike '%erasemark%'`;
    expect(quoted!.n).toBe(0);
    const [erased] = await t.su`select count(*)::int as n from audit_events where action = 'privacy_request.completed' and target_id = ${requestId}`;
    expect(erased!.n).toBe(1);
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
    // P24: the ledger names the rows by id, never by address or name.
    const ledger = await t.su`select * from deletion_ledger where request_id = ${requestId}`;
    expect(ledger.map((l) => l.table_name).sort()).toEqual(expect.arrayContaining(["contacts", "leads", "notes", "tasks", "deal_contacts"]));
    expect(ledger.find((l) => l.table_name === "contacts")!.row_ids).toEqual([p.contactId]);
    const text = JSON.stringify(ledger).toLowerCase();
    expect(text).not.toContain("@");
    expect(text).not.toContain("erasemark");
    // The certificate: counts, no personal data.
    const cert = await (await owner.client.get(`/t/${owner.slug}/privacy/requests/${requestId}/certificate.json`)).json();
    expect(cert.counts).toMatchObject({ contacts: 1, leads: 1 });
    expect(JSON.stringify(cert).toLowerCase()).not.toContain("erasemark");
  });

  test("P23 erasing without a request logs one, so every erasure has a record", async () => {
    const p = await seedPerson(owner, "NOREQMARK");
    const res = await owner.client.post(`/t/${owner.slug}/privacy/people/lead/${p.leadId}/erasure`);
    expect(res.status).toBe(303);
    const requestId = idFrom(res);
    await runDueJobs(t, jobDeps(t));
    const [req] = await t.su`select state, source, type from privacy_requests where id = ${requestId}`;
    expect(req).toEqual({ state: "completed", source: "staff", type: "erasure" });
    const [c] = await t.su`select count(*)::int as n from contacts where id = ${p.contactId}`;
    expect(c!.n).toBe(0);
  });
});
