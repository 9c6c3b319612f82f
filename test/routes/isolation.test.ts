import { describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";

const t = useTestDatabase();

/**
 * Every workspace route whose path names a record, with how to fill its ids from workspace B and a body for its
 * method. A route added under /t/:slug with an id must be added here, or the first test fails.
 */
const ID_ROUTES: Record<string, { ids: (b: Seeded) => Record<string, string>; body?: Record<string, string> }> = {
  "POST /t/:slug/members/invitations/:id/revocation": { ids: (b) => ({ id: b.invitationId }) },
  "POST /t/:slug/members/:userId/role": { ids: (b) => ({ userId: b.account.user.id }), body: { role: "viewer" } },
  "POST /t/:slug/members/:userId/removal": { ids: (b) => ({ userId: b.account.user.id }) },
};

interface Seeded {
  account: Account;
  invitationId: string;
}

function workspaceRoutes(app: ReturnType<typeof testApp>) {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL" && r.path.startsWith("/t/:slug"))
    .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }))
    .filter((r) => !seen.has(r.key) && seen.add(r.key));
}

async function seed(app: ReturnType<typeof testApp>, marker: string): Promise<Seeded> {
  const account = await createAccount(t, app, { workspace: `Workspace ${marker}`, name: `Owner ${marker}` });
  const invitationId = Bun.randomUUIDv7();
  await t.su`insert into invitations (tenant_id, id, email, role, token_hash, created_at, expires_at)
    values (${account.tenantId}, ${invitationId}, ${`invitee-${marker}@example.com`}, 'member', ${new Uint8Array(32).map(() => (Math.random() * 256) | 0)}, now(), now() + interval '7 days')`;
  return { account, invitationId };
}

const fill = (path: string, params: Record<string, string>) => path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `:${name}`);

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
  });
});

