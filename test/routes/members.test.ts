import { describe, expect, test } from "bun:test";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { App } from "../../src/app.tsx";
import type { Role } from "../../src/domain/schema.ts";
import { Client, ORIGIN, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { addMember, createAccount, PASSWORD, type Account } from "../support/factories.ts";

const t = useTestDatabase();

let n = 0;
const freshEmail = () => `invitee-${++n}-${crypto.randomUUID().slice(0, 6)}@example.com`;

/** Invites through the app, then reads the link from the outbox the way the invitee would see it in the email. */
async function invite(owner: Account, email: string, role: Role = "member") {
  const res = await owner.client.post(`/t/${owner.slug}/members/invitations`, { email, role });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe(`/t/${owner.slug}/members?done=invited`);
  const [row] = await t.su<{ id: string; token_hash: Buffer }[]>`
    select id, token_hash from invitations where tenant_id = ${owner.tenantId} and email = ${email} order by created_at desc, id desc limit 1`;
  const mail = await t.db.owner.selectFrom("emails").selectAll().where("idempotency_key", "=", `invite:${row!.id}`).executeTakeFirstOrThrow();
  const token = mail.text_body.match(/\/invitations\/([a-z2-7]+)/)![1]!;
  return { id: row!.id, tokenHash: row!.token_hash, token, mail };
}

async function roleOf(tenantId: string, userId: string): Promise<Role | null> {
  const rows = await t.su<{ role: Role }[]>`select role from memberships where tenant_id = ${tenantId} and user_id = ${userId}`;
  return rows[0]?.role ?? null;
}

async function auditRows(tenantId: string | null, action: string) {
  return t.su<{ actor_id: string | null; target_id: string; changes: Record<string, unknown> | null }[]>`
    select actor_id, target_id, changes from audit_events where tenant_id is not distinct from ${tenantId} and action = ${action} order by seq`;
}

describe("invitations", () => {
  test("an invitation emails a link holding a 256-bit token; only its SHA-256 is stored", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const inv = await invite(owner, email, "viewer");
    expect(inv.mail.to_address).toBe(email);
    expect(inv.mail.subject).toContain("invited you to");
    expect(inv.mail.text_body).toContain(`${ORIGIN}/invitations/${inv.token}`);
    expect(inv.mail.html_body).toContain(`${ORIGIN}/invitations/${inv.token}`);
    expect(inv.token.length).toBeGreaterThanOrEqual(52); // base32: 52 characters carry 256 bits
    expect(encodeHexLowerCase(new Uint8Array(inv.tokenHash))).toBe(encodeHexLowerCase(sha256(new TextEncoder().encode(inv.token))));
    const [whole] = await t.su`select row_to_json(i)::text as json from invitations i where id = ${inv.id}`;
    expect(whole!.json).not.toContain(inv.token);
    const [created] = await auditRows(owner.tenantId, "invitation.created");
    expect(created!.target_id).toBe(inv.id);
    expect(created!.changes).toEqual({ email, role: "viewer" });
    const page = await (await owner.client.get(`/t/${owner.slug}/members?done=invited`)).text();
    expect(page).toContain("Invitation sent.");
    expect(page).toContain(email);
  });

  test("a newcomer accepts by creating an account for the invited address and lands signed in, with the invited role", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const { token, id } = await invite(owner, email, "privacy");
    const visitor = new Client(app);
    const landing = await visitor.get(`/invitations/${token}`);
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain("Sign in to accept");
    expect(html).toContain(`href="/signin?next=${encodeURIComponent(`/invitations/${token}`)}"`);
    expect(html).toContain("Create an account");
    expect(html).toContain(email);

    const res = await visitor.post(`/invitations/${token}`, { name: "Ines Invited", password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}`);
    expect(visitor.cookies.get("session")).toBeTruthy();
    expect((await visitor.get(`/t/${owner.slug}`)).status).toBe(200);
    const [user] = await t.su<{ id: string; email: string; name: string }[]>`select id, email, name from users where email = ${email}`;
    expect(user!.name).toBe("Ines Invited");
    expect(await roleOf(owner.tenantId, user!.id)).toBe("privacy");
    const [inv] = await t.su`select accepted_at from invitations where id = ${id}`;
    expect(inv!.accepted_at).toBeInstanceOf(Date);
    expect((await auditRows(null, "user.signed_up")).some((r) => r.target_id === user!.id)).toBe(true);
    const [accepted] = await auditRows(owner.tenantId, "invitation.accepted");
    expect(accepted!.actor_id).toBe(user!.id);
    expect((await auditRows(owner.tenantId, "member.added")).some((r) => r.target_id === user!.id && r.changes?.role === "privacy")).toBe(true);
  });

  test("a signed-in user accepts with one button; the trail keeps both the invited and the accepting address", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const other = await createAccount(t, app);
    const invited = freshEmail();
    const { token } = await invite(owner, invited, "admin");
    const landing = await other.client.get(`/invitations/${token}`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("Accept and join");
    const res = await other.client.post(`/invitations/${token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}`);
    expect(await roleOf(owner.tenantId, other.user.id)).toBe("admin");
    const [accepted] = await auditRows(owner.tenantId, "invitation.accepted");
    expect(accepted!.changes).toEqual({ invited_email: invited, accepted_by_email: other.user.email, role: "admin" });
    // Someone already in the workspace following a link is just let in.
    const again = await invite(owner, freshEmail());
    const member = await other.client.get(`/invitations/${again.token}`);
    expect(member.status).toBe(303);
    expect(member.headers.get("location")).toBe(`/t/${owner.slug}`);
  });

  test("an invitation expires after 7 days: the link then says it is no longer valid and creates nothing", async () => {
    let clock = new Date();
    const app = testApp({ db: t.db, now: () => clock });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const { token } = await invite(owner, email);
    clock = new Date(clock.getTime() + 7 * 86_400_000 - 60_000);
    expect((await new Client(app).get(`/invitations/${token}`)).status).toBe(200);
    clock = new Date(clock.getTime() + 2 * 60_000);
    const res = await new Client(app).get(`/invitations/${token}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("This invitation is no longer valid");
    expect((await new Client(app).post(`/invitations/${token}`, { name: "Late", password: PASSWORD })).status).toBe(410);
    expect((await t.su`select 1 from users where email = ${email}`).length).toBe(0);
  });

  test("a revoked invitation is no longer valid, and revoking is audited", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const { token, id } = await invite(owner, freshEmail());
    const res = await owner.client.post(`/t/${owner.slug}/members/invitations/${id}/revocation`);
    expect(res.status).toBe(303);
    expect((await new Client(app).get(`/invitations/${token}`)).status).toBe(410);
    expect((await auditRows(owner.tenantId, "invitation.revoked")).map((r) => r.target_id)).toEqual([id]);
  });

  test("inviting the same address again replaces the pending invitation: only the newest link works", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const first = await invite(owner, email);
    const second = await invite(owner, email, "viewer");
    expect(first.id).not.toBe(second.id);
    expect((await new Client(app).get(`/invitations/${first.token}`)).status).toBe(410);
    expect((await new Client(app).get(`/invitations/${second.token}`)).status).toBe(200);
  });

  test("a token works once: used a second time it is no longer valid", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const { token } = await invite(owner, email);
    expect((await new Client(app).post(`/invitations/${token}`, { name: "First", password: PASSWORD })).status).toBe(303);
    const other = await createAccount(t, app);
    expect((await other.client.post(`/invitations/${token}`)).status).toBe(410);
    expect((await new Client(app).get(`/invitations/${token}`)).status).toBe(410);
    expect((await new Client(app).post(`/invitations/${token}`, { name: "Second", password: PASSWORD })).status).toBe(410);
    expect(await roleOf(owner.tenantId, other.user.id)).toBeNull();
    expect((await t.su`select 1 from users where email = ${email}`).length).toBe(1);
  });

  test("an invited address that already has an account is offered sign-in, not a second account", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const existing = await createAccount(t, app);
    const { token } = await invite(owner, existing.user.email.toUpperCase());
    const html = await (await new Client(app).get(`/invitations/${token}`)).text();
    expect(html).toContain("already has an account");
    expect(html).not.toContain("Create an account");
    const res = await new Client(app).post(`/invitations/${token}`, { name: "Twin", password: PASSWORD });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Sign in to accept the invitation.");
    expect(await roleOf(owner.tenantId, existing.user.id)).toBeNull();
  });

  test("two people using one token at the same moment: exactly one joins", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const { token } = await invite(owner, freshEmail());
    const x = await createAccount(t, app);
    const y = await createAccount(t, app);
    const statuses = (await Promise.all([x.client.post(`/invitations/${token}`), y.client.post(`/invitations/${token}`)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([303, 410]);
    const joined = [await roleOf(owner.tenantId, x.user.id), await roleOf(owner.tenantId, y.user.id)].filter(Boolean);
    expect(joined).toEqual(["member"]);
  });

  test("an unknown token is the same 410 page", async () => {
    const res = await new Client(testApp({ db: t.db })).get(`/invitations/${"a".repeat(52)}`);
    expect(res.status).toBe(410);
    expect((await new Client(testApp({ db: t.db })).get(`/invitations/${"a".repeat(5000)}`)).status).toBe(410);
  });
});

describe("roles and removal", () => {
  async function workspaceWithMember(app: App, role: Role = "member") {
    const owner = await createAccount(t, app);
    const member = await createAccount(t, app);
    await addMember(t, owner.tenantId, member.user.id, role);
    return { owner, member };
  }

  test("P10 a role change is audited with before and after", async () => {
    const app = testApp({ db: t.db });
    const { owner, member } = await workspaceWithMember(app);
    const res = await owner.client.post(`/t/${owner.slug}/members/${member.user.id}/role`, { role: "admin" });
    expect(res.status).toBe(303);
    expect(await roleOf(owner.tenantId, member.user.id)).toBe("admin");
    const [row] = await auditRows(owner.tenantId, "member.role_changed");
    expect(row!.actor_id).toBe(owner.user.id);
    expect(row!.target_id).toBe(member.user.id);
    expect(row!.changes).toEqual({ role: { from: "member", to: "admin" } });
  });

  test("the last owner can be neither demoted nor removed (409); with a second owner both work", async () => {
    const app = testApp({ db: t.db });
    const { owner, member } = await workspaceWithMember(app);
    const base = `/t/${owner.slug}/members`;
    const demote = await owner.client.post(`${base}/${owner.user.id}/role`, { role: "admin" });
    expect(demote.status).toBe(409);
    expect(await demote.text()).toContain("at least one owner");
    const leave = await owner.client.post(`${base}/${owner.user.id}/removal`);
    expect(leave.status).toBe(409);
    expect(await roleOf(owner.tenantId, owner.user.id)).toBe("owner");
    expect((await auditRows(owner.tenantId, "member.role_changed")).length).toBe(0);

    expect((await owner.client.post(`${base}/${member.user.id}/role`, { role: "owner" })).status).toBe(303);
    expect((await member.client.post(`${base}/${owner.user.id}/role`, { role: "admin" })).status).toBe(303);
    expect((await member.client.post(`${base}/${member.user.id}/role`, { role: "admin" })).status).toBe(409);
    expect((await member.client.post(`${base}/${owner.user.id}/removal`)).status).toBe(303);
    expect(await roleOf(owner.tenantId, owner.user.id)).toBeNull();
  });

  test("two owners demoting each other at the same moment cannot leave the workspace without an owner", async () => {
    const app = testApp({ db: t.db });
    const { owner, member } = await workspaceWithMember(app, "owner");
    const base = `/t/${owner.slug}/members`;
    const statuses = (
      await Promise.all([
        owner.client.post(`${base}/${member.user.id}/role`, { role: "admin" }),
        member.client.post(`${base}/${owner.user.id}/role`, { role: "admin" }),
      ])
    ).map((r) => r.status);
    // One demotion wins. The other is refused: 409 when both ran at once (the last-owner check under a lock), or
    // 403 when the winner committed first and its target was no longer an owner when it asked.
    expect(statuses.filter((s) => s === 303).length).toBe(1);
    expect([403, 409]).toContain(statuses.find((s) => s !== 303)!);
    const owners = await t.su`select 1 from memberships where tenant_id = ${owner.tenantId} and role = 'owner'`;
    expect(owners.length).toBe(1);
  });

  test("a removed member's existing session gets 404 for that workspace at once, and the removal is audited", async () => {
    const app = testApp({ db: t.db });
    const { owner, member } = await workspaceWithMember(app);
    expect((await member.client.get(`/t/${owner.slug}/members`)).status).toBe(200);
    const res = await owner.client.post(`/t/${owner.slug}/members/${member.user.id}/removal`);
    expect(res.status).toBe(303);
    expect((await member.client.get(`/t/${owner.slug}/members`)).status).toBe(404);
    expect((await member.client.get(`/t/${owner.slug}`)).status).toBe(404);
    // The session itself lives on: the member keeps their own workspace.
    expect((await member.client.get(`/t/${member.slug}`)).status).toBe(200);
    const [row] = await auditRows(owner.tenantId, "member.removed");
    expect(row).toMatchObject({ actor_id: owner.user.id, target_id: member.user.id, changes: { role: "member" } });
  });

  test("a member may leave a workspace themselves", async () => {
    const app = testApp({ db: t.db });
    const { owner, member } = await workspaceWithMember(app, "viewer");
    const res = await member.client.post(`/t/${owner.slug}/members/${member.user.id}/removal`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/workspaces");
    expect(await roleOf(owner.tenantId, member.user.id)).toBeNull();
    expect((await auditRows(owner.tenantId, "member.removed"))[0]!.changes).toEqual({ role: "viewer", left: true });
  });

  test("P09 another workspace's member ids and invitation ids are 404 and stay untouched", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app, { workspace: "Alpha Marker Works" });
    const b = await createAccount(t, app, { workspace: "Bravo Secret Marker" });
    const bMember = await createAccount(t, app);
    await addMember(t, b.tenantId, bMember.user.id, "member");
    const bInvite = await invite(b, freshEmail());
    const base = `/t/${a.slug}/members`;
    const attempts = [
      await a.client.post(`${base}/${bMember.user.id}/role`, { role: "viewer" }),
      await a.client.post(`${base}/${b.user.id}/role`, { role: "viewer" }),
      await a.client.post(`${base}/${bMember.user.id}/removal`),
      await a.client.post(`${base}/invitations/${bInvite.id}/revocation`),
      await a.client.post(`${base}/not-a-uuid/removal`),
      await a.client.post(`${base}/invitations/not-a-uuid/revocation`),
      await a.client.get(`/t/${b.slug}/members`),
      await a.client.post(`/t/${b.slug}/members/${bMember.user.id}/removal`),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).not.toContain("Bravo Secret Marker");
      expect(html).not.toContain(bMember.user.email);
    }
    expect(await roleOf(b.tenantId, bMember.user.id)).toBe("member");
    const [inv] = await t.su`select revoked_at from invitations where id = ${bInvite.id}`;
    expect(inv!.revoked_at).toBeNull();
  });
});

describe("bad input", () => {
  test("an invalid email or an unknown role is a 422 with field errors and nothing is saved", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const base = `/t/${owner.slug}/members`;
    const cases: { body: Record<string, string>; message: string }[] = [
      { body: { email: "not-an-email", role: "member" }, message: "Enter an email address like name@example.com." },
      { body: { email: "ok@example.com", role: "emperor" }, message: "Choose one of the roles listed." },
      { body: { role: "member" }, message: "Enter an email address" },
      { body: { email: owner.user.email, role: "member" }, message: "already a member" },
    ];
    for (const { body, message } of cases) {
      const res = await owner.client.post(`${base}/invitations`, body);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('class="field-error"');
      expect(html).toContain(message);
      expect(html).toContain('id="invite-form"');
    }
    expect((await t.su`select 1 from invitations where tenant_id = ${owner.tenantId}`).length).toBe(0);
    expect((await t.su`select 1 from emails where idempotency_key like 'invite:%' and to_address = 'ok@example.com'`).length).toBe(0);
    expect((await auditRows(owner.tenantId, "invitation.created")).length).toBe(0);
  });

  test("an unknown role in a role change is a 422 and the role stays", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const member = await createAccount(t, app);
    await addMember(t, owner.tenantId, member.user.id, "member");
    const res = await owner.client.post(`/t/${owner.slug}/members/${member.user.id}/role`, { role: "superuser" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Choose one of the roles listed.");
    expect(await roleOf(owner.tenantId, member.user.id)).toBe("member");
  });

  test("a weak password when signing up to accept is a 422; no account is made and the invitation still works", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const email = freshEmail();
    const { token } = await invite(owner, email);
    const visitor = new Client(app);
    const res = await visitor.post(`/invitations/${token}`, { name: "", password: "short" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter your name.");
    const weak = await visitor.post(`/invitations/${token}`, { name: "Wes", password: "short" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain("Use at least 10 characters.");
    expect((await t.su`select 1 from users where email = ${email}`).length).toBe(0);
    expect(visitor.cookies.size).toBe(0);
    expect((await visitor.get(`/invitations/${token}`)).status).toBe(200);
  });
});
