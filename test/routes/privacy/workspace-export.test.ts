import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { workspaceTables } from "../../../src/domain/privacy/export-sources.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { countIn, downloadExport, exportLink, inTenant, seedNote } from "./export-support.ts";

const t = useTestDatabase();

let clock = new Date();
let app: App;
const runJobs = () => runDueJobs(t, jobDeps(t, { now: () => clock }));

beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock });
});

const FILE = new TextEncoder().encode("attachment bytes \u0000\u00ff MARKER-FILE");

/** A contact with an attachment, a note, a task and an activity, in a workspace. */
async function seedCrm(a: Account, marker: string) {
  const { contactId } = await seedNote(t, a.tenantId, a.user.id, `note ${marker}`);
  const now = new Date();
  const attachmentId = Bun.randomUUIDv7();
  await inTenant(t, a.tenantId, async (db) => {
    await db.insertInto("tasks").values({ tenant_id: a.tenantId, id: Bun.randomUUIDv7(), title: `task ${marker}`, contact_id: contactId, created_at: now }).execute();
    await db.insertInto("activities").values({ tenant_id: a.tenantId, id: Bun.randomUUIDv7(), kind: "call", occurred_at: now, body: `call ${marker}`, contact_id: contactId, created_at: now }).execute();
    await db
      .insertInto("attachments")
      .values({ tenant_id: a.tenantId, id: attachmentId, filename: `f-${marker}.bin`, content_type: "application/octet-stream", size_bytes: FILE.length, sha256: new Uint8Array(32), data: FILE, contact_id: contactId, created_at: now })
      .execute();
  });
  return { contactId, attachmentId };
}

describe("Workspace export (P13)", () => {
  let owner: Account;
  let admin: Account;
  let seeded: { attachmentId: string };

  test("P13 only owners and admins may export the workspace: members, viewers and privacy officers get 403", async () => {
    owner = await createAccount(t, app, { workspace: "Exported MARKER-HOME" });
    admin = await memberOf(t, app, owner, "admin");
    for (const role of ["member", "viewer", "privacy"] as const) {
      const m = await memberOf(t, app, owner, role);
      expect({ role, get: (await m.client.get(`/t/${owner.slug}/exports`)).status }).toEqual({ role, get: 403 });
      expect({ role, post: (await m.client.post(`/t/${owner.slug}/exports`)).status }).toEqual({ role, post: 403 });
    }
    expect((await t.su`select count(*)::int as n from data_exports`)[0]!.n).toBe(0);
    const page = await admin.client.get(`/t/${owner.slug}/exports`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Export the whole workspace");
  });

  test("P13 the export holds every mapped workspace table, all of its rows, with the attachment's bytes, and nothing of another workspace", async () => {
    seeded = await seedCrm(owner, "MARKER-HOME");
    const elsewhere = await createAccount(t, app, { workspace: "Elsewhere MARKER-AWAY" });
    await seedCrm(elsewhere, "MARKER-AWAY");
    const res = await admin.client.post(`/t/${owner.slug}/exports`);
    expect(res.status).toBe(303);
    const page = res.headers.get("location")!.split("?")[0]!;
    expect(page).toMatch(new RegExp(`^/t/${owner.slug}/exports/[0-9a-f-]{36}$`));
    // One at a time per workspace.
    expect((await owner.client.post(`/t/${owner.slug}/exports`)).status).toBe(409);
    const live = await (await admin.client.htmx("GET", `${page}/progress`)).text();
    expect(live).toContain(`hx-get="${page}/progress"`);
    expect(live).toContain("<progress");

    const expected = new Map<string, number>();
    for (const e of workspaceTables()) expected.set(e.table, await countIn(t, e.table, e.tenantColumn!, owner.tenantId));
    await runJobs();
    expect(await (await admin.client.htmx("GET", `${page}/progress`)).text()).not.toContain("hx-get");

    const link = await exportLink(t, admin.user.email);
    const { doc, text } = await downloadExport(admin.client, link);
    expect(doc.kind).toBe("workspace");
    expect(doc.subject).toEqual({ workspace: { id: owner.tenantId, name: "Exported MARKER-HOME", slug: owner.slug } });
    expect(Object.keys(doc.tables).sort()).toEqual(workspaceTables().map((e) => e.table).sort());
    for (const e of workspaceTables()) {
      expect({ table: e.table, rows: doc.tables[e.table]!.length }).toEqual({ table: e.table, rows: expected.get(e.table)! });
      const cols = e.export.workspace!;
      if (!cols.includes("*")) for (const r of doc.tables[e.table]!) expect(Object.keys(r)).toEqual(cols);
    }
    for (const table of ["tenants", "memberships", "contacts", "notes", "tasks", "activities", "attachments", "audit_events"]) {
      expect({ table, some: doc.tables[table]!.length > 0 }).toEqual({ table, some: true });
    }
    const file = doc.tables.attachments!.find((r) => r.id === seeded.attachmentId)!;
    expect(new Uint8Array(Buffer.from(file.data as string, "base64"))).toEqual(FILE);
    expect(file.filename).toBe("f-MARKER-HOME.bin");
    expect(text).not.toContain("MARKER-AWAY");
    expect(text).not.toContain(elsewhere.tenantId);
    const [ev] = await t.su`select tenant_id, actor_id from audit_events where action = 'export.downloaded' order by seq desc limit 1`;
    expect(ev).toEqual({ tenant_id: owner.tenantId, actor_id: admin.user.id });
  });

  test("P13 the link works only for the admin who asked: the owner of the same workspace gets 404, and so does an admin demoted since", async () => {
    const link = await exportLink(t, admin.user.email);
    expect((await owner.client.get(link)).status).toBe(404);
    await t.su`update memberships set role = 'member' where tenant_id = ${owner.tenantId} and user_id = ${admin.user.id}`;
    expect((await admin.client.get(link)).status).toBe(404);
    await t.su`update memberships set role = 'admin' where tenant_id = ${owner.tenantId} and user_id = ${admin.user.id}`;
    const again = await admin.client.get(link);
    expect(again.status).toBe(200);
    await again.arrayBuffer();
  });
});

describe("Export of one CRM person (P23)", () => {
  test("P23 a contact's export holds the contact, the lead with the same email, their notes, activities, tasks, attachments, deals and audit trail, and nothing about anyone else", async () => {
    const owner = await createAccount(t, app);
    const privacy = await memberOf(t, app, owner, "privacy");
    const member = await memberOf(t, app, owner, "member");
    const { contactId, attachmentId } = await seedCrm(owner, "MARKER-PERSON");
    await seedCrm(owner, "MARKER-SOMEONE-ELSE");
    const now = new Date();
    const leadId = Bun.randomUUIDv7();
    const dealId = Bun.randomUUIDv7();
    await inTenant(t, owner.tenantId, async (db) => {
      await db.updateTable("contacts").set({ emails: ["Pat@Example.com"] }).where("id", "=", contactId).execute();
      await db.insertInto("leads").values({ tenant_id: owner.tenantId, id: leadId, name: "Pat lead", email: "pat@example.com", created_at: now, updated_at: now }).execute();
      await db.insertInto("notes").values({ tenant_id: owner.tenantId, id: Bun.randomUUIDv7(), body: "note on the lead", lead_id: leadId, created_at: now, updated_at: now }).execute();
      const pipelineId = Bun.randomUUIDv7();
      const stageId = Bun.randomUUIDv7();
      await db.insertInto("pipelines").values({ tenant_id: owner.tenantId, id: pipelineId, name: "Sales", created_at: now }).execute();
      await db.insertInto("pipeline_stages").values({ tenant_id: owner.tenantId, id: stageId, pipeline_id: pipelineId, name: "New", position: 0, probability: 10 }).execute();
      await db.insertInto("deals").values({ tenant_id: owner.tenantId, id: dealId, title: "Pat's deal", pipeline_id: pipelineId, stage_id: stageId, created_at: now, updated_at: now, created_by: null }).execute();
      await db.insertInto("deals").values({ tenant_id: owner.tenantId, id: Bun.randomUUIDv7(), title: "MARKER-OTHER-DEAL", pipeline_id: pipelineId, stage_id: stageId, created_at: now, updated_at: now, created_by: null }).execute();
      await db.insertInto("deal_contacts").values({ tenant_id: owner.tenantId, deal_id: dealId, contact_id: contactId }).execute();
    });
    // Editing the contact leaves an audit event about it.
    const edit = await owner.client.post(`/t/${owner.slug}/crm/contacts/${contactId}`, { first_name: "Pat", last_name: "Person", emails: "Pat@Example.com" });
    expect(edit.status).toBeLessThan(400);

    const url = `/t/${owner.slug}/privacy/people/contact/${contactId}/exports`;
    expect((await member.client.post(url)).status).toBe(403);
    expect((await privacy.client.post(`/t/${owner.slug}/privacy/people/contact/${Bun.randomUUIDv7()}/exports`)).status).toBe(404);
    expect((await privacy.client.post(`/t/${owner.slug}/privacy/people/company/${contactId}/exports`)).status).toBe(404);
    const res = await privacy.client.post(url);
    expect(res.status).toBe(303);
    const page = res.headers.get("location")!.split("?")[0]!;
    expect((await privacy.client.get(page)).status).toBe(200);
    expect((await member.client.get(page)).status).toBe(404);
    await runJobs();

    const { doc, text } = await downloadExport(privacy.client, await exportLink(t, privacy.user.email));
    expect(doc.kind).toBe("person");
    expect(doc.subject).toMatchObject({ record: { type: "contact", id: contactId }, contact_ids: [contactId], lead_ids: [leadId], emails: ["pat@example.com"] });
    const ids = (table: string) => doc.tables[table]!.map((r) => r.id);
    expect(ids("contacts")).toEqual([contactId]);
    expect(ids("leads")).toEqual([leadId]);
    expect(doc.tables.notes!.map((r) => r.body).sort()).toEqual(["note MARKER-PERSON", "note on the lead"]);
    expect(doc.tables.tasks).toHaveLength(1);
    expect(doc.tables.activities).toHaveLength(1);
    expect(ids("attachments")).toEqual([attachmentId]);
    expect(new Uint8Array(Buffer.from(doc.tables.attachments![0]!.data as string, "base64"))).toEqual(FILE);
    expect(ids("deals")).toEqual([dealId]);
    expect(doc.tables.deal_contacts).toEqual([{ deal_id: dealId, contact_id: contactId }]);
    expect(doc.tables.audit_events!.some((r) => r.action === "contact.updated" && r.target_id === contactId)).toBe(true);
    expect(text).not.toContain("MARKER-SOMEONE-ELSE");
    expect(text).not.toContain("MARKER-OTHER-DEAL");
    const [ev] = await t.su`select target_type, target_id, actor_id from audit_events where action = 'export.requested' order by seq desc limit 1`;
    expect(ev).toEqual({ target_type: "contact", target_id: contactId, actor_id: privacy.user.id });
  });
});
