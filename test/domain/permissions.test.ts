import { describe, expect, test } from "bun:test";
import { systemCtx, type Ctx } from "../../src/domain/context.ts";
import { Forbidden } from "../../src/domain/errors.ts";
import type { Role } from "../../src/domain/schema.ts";
import { authorize, can, PERMISSIONS, ROLES, type Permission } from "../../src/domain/tenancy/permissions.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { addMember, createAccount } from "../support/factories.ts";

const t = useTestDatabase();

// The matrix written out by hand: changing PERMISSIONS without changing this table is a failing test, on purpose.
const EXPECTED: Record<Role, Permission[]> = {
  owner: ["records.view", "records.edit", "members.view", "members.manage", "owners.manage", "settings.manage", "audit.view", "privacy.manage", "workspace.export", "workspace.lifecycle"],
  admin: ["records.view", "records.edit", "members.view", "members.manage", "settings.manage", "audit.view", "workspace.export"],
  member: ["records.view", "records.edit", "members.view"],
  viewer: ["records.view", "members.view"],
  privacy: ["records.view", "members.view", "audit.view", "privacy.manage"],
};

const ALL = Object.keys(PERMISSIONS) as Permission[];

function ctxAs(role: Role | null, tenantId: string | null = "00000000-0000-7000-8000-000000000001"): Ctx {
  return { ...systemCtx(t.db.app), tenantId, actor: { type: "user", id: "00000000-0000-7000-8000-000000000002", role } };
}

describe("permission matrix", () => {
  test("the five roles are exactly owner, admin, member, viewer and privacy", () => {
    expect([...ROLES].sort()).toEqual(["admin", "member", "owner", "privacy", "viewer"]);
  });

  for (const role of ROLES) {
    describe(`role ${role}`, () => {
      for (const permission of ALL) {
        const allowed = EXPECTED[role].includes(permission);
        test(`${allowed ? "may" : "may not"} ${permission}: can() agrees and authorize() ${allowed ? "passes" : "throws Forbidden"}`, () => {
          expect(can(role, permission)).toBe(allowed);
          if (allowed) expect(() => authorize(ctxAs(role), permission)).not.toThrow();
          else expect(() => authorize(ctxAs(role), permission)).toThrow(Forbidden);
        });
      }
    });
  }

  test("no role, or no workspace, is allowed nothing", () => {
    for (const permission of ALL) {
      expect(can(null, permission)).toBe(false);
      expect(() => authorize(ctxAs(null), permission)).toThrow(Forbidden);
      expect(() => authorize(ctxAs("owner", null), permission)).toThrow(Forbidden);
    }
  });
});

describe("permission matrix over HTTP", () => {
  for (const role of ROLES) {
    test(`a ${role} sees the members page, and may invite and change roles only if the matrix says so`, async () => {
      const app = testApp({ db: t.db });
      const owner = await createAccount(t, app);
      const actor = await createAccount(t, app);
      const target = await createAccount(t, app);
      await addMember(t, owner.tenantId, actor.user.id, role);
      await addMember(t, owner.tenantId, target.user.id, "member");
      const manage = can(role, "members.manage");

      const view = await actor.client.get(`/t/${owner.slug}/members`);
      expect(view.status).toBe(can(role, "members.view") ? 200 : 403);
      expect(await view.text()).toContain(target.user.name);

      const invite = await actor.client.post(`/t/${owner.slug}/members/invitations`, { email: `new-${role}@example.com`, role: "member" });
      expect(invite.status).toBe(manage ? 303 : 403);
      const invited = await t.su`select 1 from invitations where tenant_id = ${owner.tenantId} and email = ${`new-${role}@example.com`}`;
      expect(invited.length).toBe(manage ? 1 : 0);

      const change = await actor.client.post(`/t/${owner.slug}/members/${target.user.id}/role`, { role: "viewer" });
      expect(change.status).toBe(manage ? 303 : 403);
      const [m] = await t.su<{ role: Role }[]>`select role from memberships where tenant_id = ${owner.tenantId} and user_id = ${target.user.id}`;
      expect(m!.role).toBe(manage ? "viewer" : "member");
      if (!manage) expect(await change.text()).toContain("Your role in this workspace doesn&#39;t allow that");
    });
  }

  test("an admin may not make an owner, demote one or remove one: only owners manage owners", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const admin = await createAccount(t, app);
    const member = await createAccount(t, app);
    await addMember(t, owner.tenantId, admin.user.id, "admin");
    await addMember(t, owner.tenantId, member.user.id, "member");
    const base = `/t/${owner.slug}/members`;
    expect((await admin.client.post(`${base}/invitations`, { email: "boss@example.com", role: "owner" })).status).toBe(403);
    expect((await admin.client.post(`${base}/${member.user.id}/role`, { role: "owner" })).status).toBe(403);
    expect((await admin.client.post(`${base}/${owner.user.id}/role`, { role: "member" })).status).toBe(403);
    expect((await admin.client.post(`${base}/${owner.user.id}/removal`)).status).toBe(403);
    const roles = await t.su<{ user_id: string; role: Role }[]>`select user_id, role from memberships where tenant_id = ${owner.tenantId}`;
    expect(roles.find((r) => r.user_id === owner.user.id)!.role).toBe("owner");
    expect(roles.find((r) => r.user_id === member.user.id)!.role).toBe("member");
    expect((await t.su`select 1 from invitations where tenant_id = ${owner.tenantId}`).length).toBe(0);
  });
});
