import { describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { ID_ROUTES, MODULES, fill, seed as seedWorkspace, workspaceRoutes } from "./isolation/table.ts";

const t = useTestDatabase();
const seed = (app: ReturnType<typeof testApp>, marker: string) => seedWorkspace(t, app, marker);

describe("P09 tenant isolation over HTTP, driven by the route table", () => {
  test("P09 every workspace route that names a record is in the isolation table", () => {
    const app = testApp({ db: t.db });
    const withIds = workspaceRoutes(app).filter((r) => /:(?!slug\b)\w+/.test(r.path));
    expect(withIds.length).toBeGreaterThan(0);
    expect(withIds.map((r) => r.key).filter((k) => !(k in ID_ROUTES))).toEqual([]);
  });

  test("P09 a member of A asking for B's workspace gets 404 on every workspace route, with no trace of B", async () => {
    const app = testApp({ db: t.db });
    const a = await seed(app, "MARKER-A");
    const b = await seed(app, "MARKER-B");
    for (const r of workspaceRoutes(app)) {
      const path = fill(r.path, { slug: b.account.slug, ...(ID_ROUTES[r.key]?.ids(b) ?? {}) });
      const res = await a.account.client.request(r.method, path, { body: ID_ROUTES[r.key]?.body ?? {} });
      const body = await res.text();
      expect({ route: r.key, status: res.status, leaks: body.includes("MARKER-B") }).toEqual({ route: r.key, status: 404, leaks: false });
    }
  });

  test("P09 a member of A using B's record ids under A's own workspace gets 404, and B's records are unchanged", async () => {
    const app = testApp({ db: t.db });
    const a = await seed(app, "MARKER-A2");
    const b = await seed(app, "MARKER-B2");
    const modulesBefore = await Promise.all(Object.entries(MODULES).map(([name, mod]) => mod.snapshot(t, b.modules[name]!)));
    const before = await t.su`select (select count(*)::int from memberships where tenant_id = ${b.account.tenantId}) as m,
      (select revoked_at from invitations where id = ${b.invitationId}) as revoked`;
    for (const [key, spec] of Object.entries(ID_ROUTES)) {
      const [method, path] = key.split(" ") as [string, string];
      const res = await a.account.client.request(method, fill(path, { slug: a.account.slug, ...spec.ids(b) }), { body: spec.body ?? {} });
      const body = await res.text();
      expect({ route: key, status: res.status, leaks: body.includes("MARKER-B2") }).toEqual({ route: key, status: 404, leaks: false });
    }
    const after = await t.su`select (select count(*)::int from memberships where tenant_id = ${b.account.tenantId}) as m,
      (select revoked_at from invitations where id = ${b.invitationId}) as revoked`;
    expect(after[0]).toEqual(before[0]!);
    const [role] = await t.su`select role from memberships where user_id = ${b.account.user.id} and tenant_id = ${b.account.tenantId}`;
    expect(role!.role).toBe("owner");
    const [crm] = await t.su`select (select name from companies where id = ${b.crm.companyId}) as company,
      (select first_name from contacts where id = ${b.crm.contactId}) as contact, (select name from leads where id = ${b.crm.leadId}) as lead,
      (select title || status || stage_id from deals where id = ${b.crm.dealId}) as deal, (select count(*)::int from notes where id = ${b.crm.noteId}) as notes,
      (select count(*)::int from attachments where id = ${b.crm.attachmentId}) as files, (select done_at from tasks where id = ${b.crm.taskId}) as done,
      (select status from crm_imports where id = ${b.crm.importId}) as import, (select label from custom_field_definitions where id = ${b.crm.fieldId}) as field`;
    expect(await Promise.all(Object.entries(MODULES).map(([name, mod]) => mod.snapshot(t, b.modules[name]!)))).toEqual(modulesBefore);
    expect(crm).toEqual({ company: "Company MARKER-B2", contact: "Contact MARKER-B2", lead: "Lead MARKER-B2", deal: `Deal MARKER-B2open${b.crm.stageId}`, notes: 1, files: 1, done: null, import: "mapped", field: "Field MARKER-B2" });
  });
});

