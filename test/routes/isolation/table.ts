import type { App } from "../../../src/app.tsx";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import type { TestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import type { IsolationModule } from "./module.ts";
import { capacityIsolation } from "./capacity.ts";
import { privacyIsolation } from "./privacy.ts";
import { crewsIsolation } from "./crews.ts";
import { webhooksIsolation } from "./webhooks.ts";
import { apiIsolation } from "./api.ts";
import { leadFormsIsolation } from "./leadforms.ts";
import { messagingIsolation } from "./messaging.ts";

// The route table shared by the cross-tenant isolation test (test/routes/isolation.test.ts) and the fuzz test
// (test/routes/fuzz.test.ts): every workspace route with ids, how to seed a workspace with one of every record,
// and how to fill a route's path from that seed.

// Modules keep their part of the table next to this file (test/routes/isolation/<module>.ts).
export const MODULES: Record<string, IsolationModule> = { capacity: capacityIsolation, privacy: privacyIsolation, crews: crewsIsolation, api: apiIsolation, leadforms: leadFormsIsolation, messaging: messagingIsolation, webhooks: webhooksIsolation };

/**
 * Every workspace route whose path names a record, with how to fill its ids from workspace B and a body for its
 * method. A route added under /t/:slug with an id must be added here, or isolation.test.ts fails.
 */
export const ID_ROUTES: Record<string, { ids: (b: Seeded) => Record<string, string>; body?: Record<string, string> }> = {
  "POST /t/:slug/members/invitations/:id/revocation": { ids: (b) => ({ id: b.invitationId }) },
  "POST /t/:slug/members/:userId/role": { ids: (b) => ({ userId: b.account.user.id }), body: { role: "viewer" } },
  "POST /t/:slug/members/:userId/removal": { ids: (b) => ({ userId: b.account.user.id }) },
  "GET /t/:slug/crm/companies/:id": { ids: (b) => ({ id: b.crm.companyId }) },
  "GET /t/:slug/crm/companies/:id/edit": { ids: (b) => ({ id: b.crm.companyId }) },
  "POST /t/:slug/crm/companies/:id": { ids: (b) => ({ id: b.crm.companyId }), body: { name: "Renamed" } },
  "POST /t/:slug/crm/companies/:id/deletion": { ids: (b) => ({ id: b.crm.companyId }) },
  "GET /t/:slug/crm/contacts/:id": { ids: (b) => ({ id: b.crm.contactId }) },
  "GET /t/:slug/crm/contacts/:id/edit": { ids: (b) => ({ id: b.crm.contactId }) },
  "POST /t/:slug/crm/contacts/:id": { ids: (b) => ({ id: b.crm.contactId }), body: { first_name: "Renamed" } },
  "POST /t/:slug/crm/contacts/:id/deletion": { ids: (b) => ({ id: b.crm.contactId }) },
  "GET /t/:slug/crm/contacts/:id/merge": { ids: (b) => ({ id: b.crm.contactId }) },
  "GET /t/:slug/crm/contacts/:id/merge/:otherId": { ids: (b) => ({ id: b.crm.contactId, otherId: b.crm.contactId }) },
  "POST /t/:slug/crm/contacts/:id/merge/:otherId": { ids: (b) => ({ id: b.crm.contactId, otherId: b.crm.contactId }) },
  "GET /t/:slug/crm/companies/:id/merge": { ids: (b) => ({ id: b.crm.companyId }) },
  "GET /t/:slug/crm/companies/:id/merge/:otherId": { ids: (b) => ({ id: b.crm.companyId, otherId: b.crm.companyId }) },
  "POST /t/:slug/crm/companies/:id/merge/:otherId": { ids: (b) => ({ id: b.crm.companyId, otherId: b.crm.companyId }) },
  "GET /t/:slug/crm/fields/:id": { ids: (b) => ({ id: b.crm.fieldId }) },
  "POST /t/:slug/crm/fields/:id": { ids: (b) => ({ id: b.crm.fieldId }), body: { label: "Renamed", options: "x", position: "1" } },
  "POST /t/:slug/crm/fields/:id/deletion": { ids: (b) => ({ id: b.crm.fieldId }) },
  "GET /t/:slug/crm/imports/:id": { ids: (b) => ({ id: b.crm.importId }) },
  "POST /t/:slug/crm/imports/:id/mapping": { ids: (b) => ({ id: b.crm.importId }), body: { col_0: "emails" } },
  "POST /t/:slug/crm/imports/:id/run": { ids: (b) => ({ id: b.crm.importId }) },
  "GET /t/:slug/crm/imports/:id/progress": { ids: (b) => ({ id: b.crm.importId }) },
  "GET /t/:slug/crm/imports/:id/rejected.csv": { ids: (b) => ({ id: b.crm.importId }) },
  "GET /t/:slug/crm/leads/:id": { ids: (b) => ({ id: b.crm.leadId }) },
  "GET /t/:slug/crm/leads/:id/edit": { ids: (b) => ({ id: b.crm.leadId }) },
  "POST /t/:slug/crm/leads/:id": { ids: (b) => ({ id: b.crm.leadId }), body: { name: "Renamed" } },
  "POST /t/:slug/crm/leads/:id/deletion": { ids: (b) => ({ id: b.crm.leadId }) },
  "GET /t/:slug/crm/leads/:id/conversion": { ids: (b) => ({ id: b.crm.leadId }) },
  "POST /t/:slug/crm/leads/:id/conversion": { ids: (b) => ({ id: b.crm.leadId }) },
  "GET /t/:slug/crm/pipelines/:id": { ids: (b) => ({ id: b.crm.pipelineId }) },
  "POST /t/:slug/crm/pipelines/:id": { ids: (b) => ({ id: b.crm.pipelineId }), body: { name: "Renamed" } },
  "POST /t/:slug/crm/pipelines/:id/stages": { ids: (b) => ({ id: b.crm.pipelineId }), body: { stage_name: "x", stage_probability: "5" } },
  "POST /t/:slug/crm/pipelines/:id/stages/:stageId/deletion": { ids: (b) => ({ id: b.crm.pipelineId, stageId: b.crm.stageId }) },
  "GET /t/:slug/crm/pipelines/:id/board": { ids: (b) => ({ id: b.crm.pipelineId }) },
  "GET /t/:slug/crm/deals/:id": { ids: (b) => ({ id: b.crm.dealId }) },
  "GET /t/:slug/crm/deals/:id/edit": { ids: (b) => ({ id: b.crm.dealId }) },
  "POST /t/:slug/crm/deals/:id": { ids: (b) => ({ id: b.crm.dealId }), body: { title: "Renamed" } },
  "POST /t/:slug/crm/deals/:id/deletion": { ids: (b) => ({ id: b.crm.dealId }) },
  "POST /t/:slug/crm/deals/:id/stage": { ids: (b) => ({ id: b.crm.dealId }), body: { stage_id: "" } },
  "POST /t/:slug/crm/deals/:id/closure": { ids: (b) => ({ id: b.crm.dealId }), body: { outcome: "lost", reason: "x" } },
  "POST /t/:slug/crm/deals/:id/reopening": { ids: (b) => ({ id: b.crm.dealId }) },
  "GET /t/:slug/crm/:kind/:id/timeline": { ids: (b) => ({ kind: "contacts", id: b.crm.contactId }) },
  "POST /t/:slug/crm/:kind/:id/activities": { ids: (b) => ({ kind: "contacts", id: b.crm.contactId }) },
  "POST /t/:slug/crm/:kind/:id/notes": { ids: (b) => ({ kind: "contacts", id: b.crm.contactId }), body: { body: "x" } },
  "POST /t/:slug/crm/:kind/:id/tasks": { ids: (b) => ({ kind: "contacts", id: b.crm.contactId }), body: { title: "x" } },
  "POST /t/:slug/crm/:kind/:id/attachments": { ids: (b) => ({ kind: "contacts", id: b.crm.contactId }) },
  "GET /t/:slug/crm/attachments/:attachmentId": { ids: (b) => ({ attachmentId: b.crm.attachmentId }) },
  "POST /t/:slug/crm/attachments/:attachmentId/deletion": { ids: (b) => ({ attachmentId: b.crm.attachmentId }) },
  "POST /t/:slug/crm/tasks/:taskId/completion": { ids: (b) => ({ taskId: b.crm.taskId }) },
  "POST /t/:slug/crm/tasks/:taskId/deletion": { ids: (b) => ({ taskId: b.crm.taskId }) },
  "POST /t/:slug/crm/notes/:noteId/deletion": { ids: (b) => ({ noteId: b.crm.noteId }) },
  "POST /t/:slug/crm/activities/:activityId/deletion": { ids: (b) => ({ activityId: b.crm.activityId }) },
  ...Object.fromEntries(
    Object.entries(MODULES).flatMap(([name, mod]) =>
      Object.entries(mod.routes).map(([key, spec]) => [key, { ids: (b: Seeded) => spec.ids(b.modules[name]!), body: spec.body }]),
    ),
  ),
};

export interface Seeded {
  account: Account;
  invitationId: string;
  crm: Record<"companyId" | "contactId" | "leadId" | "pipelineId" | "stageId" | "dealId" | "noteId" | "taskId" | "activityId" | "attachmentId" | "importId" | "fieldId", string>;
  modules: Record<string, Record<string, string>>;
}

/** One of every CRM record in the workspace, named with the marker so a leak would show in a response body. */
async function seedCrm(t: TestDatabase, account: Account, marker: string): Promise<Seeded["crm"]> {
  const ids = {
    companyId: Bun.randomUUIDv7(),
    contactId: Bun.randomUUIDv7(),
    leadId: Bun.randomUUIDv7(),
    pipelineId: Bun.randomUUIDv7(),
    stageId: Bun.randomUUIDv7(),
    dealId: Bun.randomUUIDv7(),
    noteId: Bun.randomUUIDv7(),
    taskId: Bun.randomUUIDv7(),
    activityId: Bun.randomUUIDv7(),
    attachmentId: Bun.randomUUIDv7(),
    importId: Bun.randomUUIDv7(),
    fieldId: Bun.randomUUIDv7(),
  };
  const now = new Date();
  const tenant = account.tenantId;
  await inTransaction(systemCtx(t.db.app, now, tenant), async (tx) => {
    const stamps = { created_at: now, updated_at: now, created_by: null };
    await tx.db.insertInto("companies").values({ tenant_id: tenant, id: ids.companyId, name: `Company ${marker}`, ...stamps }).execute();
    await tx.db.insertInto("contacts").values({ tenant_id: tenant, id: ids.contactId, first_name: `Contact ${marker}`, company_id: ids.companyId, ...stamps }).execute();
    await tx.db.insertInto("leads").values({ tenant_id: tenant, id: ids.leadId, name: `Lead ${marker}`, ...stamps }).execute();
    await tx.db.insertInto("pipelines").values({ tenant_id: tenant, id: ids.pipelineId, name: `Pipeline ${marker}`, created_at: now }).execute();
    await tx.db.insertInto("pipeline_stages").values({ tenant_id: tenant, id: ids.stageId, pipeline_id: ids.pipelineId, name: `Stage ${marker}`, position: 0, probability: 10 }).execute();
    await tx.db.insertInto("deals").values({ tenant_id: tenant, id: ids.dealId, title: `Deal ${marker}`, pipeline_id: ids.pipelineId, stage_id: ids.stageId, ...stamps }).execute();
    await tx.db.insertInto("notes").values({ tenant_id: tenant, id: ids.noteId, body: `Note ${marker}`, contact_id: ids.contactId, created_at: now, updated_at: now }).execute();
    await tx.db.insertInto("tasks").values({ tenant_id: tenant, id: ids.taskId, title: `Task ${marker}`, contact_id: ids.contactId, created_at: now }).execute();
    await tx.db.insertInto("activities").values({ tenant_id: tenant, id: ids.activityId, kind: "call", occurred_at: now, body: `Call ${marker}`, contact_id: ids.contactId, created_at: now }).execute();
    const data = new TextEncoder().encode(`File ${marker}`);
    await tx.db
      .insertInto("attachments")
      .values({ tenant_id: tenant, id: ids.attachmentId, filename: `file-${marker}.txt`, content_type: "text/plain", size_bytes: data.length, sha256: new Uint8Array(32), data, contact_id: ids.contactId, created_at: now })
      .execute();
    await tx.db.insertInto("custom_field_definitions").values({ tenant_id: tenant, id: ids.fieldId, object: "contact", key: "marker", label: `Field ${marker}`, type: "select", options: [`Option ${marker}`], created_at: now }).execute();
    const enc = (text: string) => new TextEncoder().encode(text);
    await tx.db
      .insertInto("crm_imports")
      .values({
        tenant_id: tenant, id: ids.importId, object: "contact", filename: `${marker}.csv`, file: enc(`Email\n${marker}@example.com\n`), delimiter: ",", has_bom: false,
        header: ["Email"], mapping: ["emails"], status: "mapped", total_rows: null, processed_rows: 0, created_count: 0, updated_count: 0, skipped_count: 0,
        rejected: enc(`Email,reason\n${marker},x\n`), error: null, created_by: null, created_at: now, started_at: null, finished_at: null,
      })
      .execute();
  });
  return ids;
}

export function workspaceRoutes(app: App) {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL" && r.path.startsWith("/t/:slug"))
    .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }))
    .filter((r) => !seen.has(r.key) && seen.add(r.key));
}

export async function seed(t: TestDatabase, app: App, marker: string): Promise<Seeded> {
  const account = await createAccount(t, app, { workspace: `Workspace ${marker}`, name: `Owner ${marker}` });
  const invitationId = Bun.randomUUIDv7();
  await t.su`insert into invitations (tenant_id, id, email, role, token_hash, created_at, expires_at)
    values (${account.tenantId}, ${invitationId}, ${`invitee-${marker}@example.com`}, 'member', ${new Uint8Array(32).map(() => (Math.random() * 256) | 0)}, now(), now() + interval '7 days')`;
  const modules: Seeded["modules"] = {};
  for (const [name, mod] of Object.entries(MODULES)) modules[name] = await mod.seed(t, account.tenantId, marker);
  return { account, invitationId, crm: await seedCrm(t, account, marker), modules };
}

export const fill = (path: string, params: Record<string, string>) => path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `:${name}`);
