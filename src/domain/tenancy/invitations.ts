import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { sql } from "kysely";
import { z } from "zod";
import { createUser, EmailSchema, NameSchema, normalizeEmail, PasswordSchema, type Links } from "../auth/accounts.ts";
import { invitationEmail } from "../auth/emails.ts";
import { hashPassword, passwordProblem } from "../auth/passwords.ts";
import { createSession, type SessionPolicy } from "../auth/sessions.ts";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import type { Role, User } from "../schema.ts";
import { isUuid, RoleSchema } from "./members.ts";
import { authorize, ROLE_LABELS } from "./permissions.ts";

export const INVITATION_DAYS = 7;

// A field missing from the form reads as empty, so its message is the field's own rather than zod's type error.
const orEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((v) => v ?? "", schema);

export const InvitationSchema = z.object({ email: orEmpty(EmailSchema), role: RoleSchema });
export type InvitationInput = z.output<typeof InvitationSchema>;

export const AcceptSignupSchema = z.object({ name: orEmpty(NameSchema), password: orEmpty(PasswordSchema) });

// 256 random bits; the database keeps only SHA-256 of the token, so a leaked table opens no invitation.
function newToken(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

export function hashInvitationToken(token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token));
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export async function listPendingInvitations(ctx: Ctx, cap = 500): Promise<PendingInvitation[]> {
  authorize(ctx, "members.manage");
  return inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("invitations as i")
      .leftJoin("users as u", "u.id", "i.invited_by")
      .select(["i.id", "i.email", "i.role", "u.name as inviter", "i.created_at", "i.expires_at"])
      .where("i.accepted_at", "is", null)
      .where("i.revoked_at", "is", null)
      .where("i.expires_at", ">", tx.now)
      .orderBy("i.created_at", "desc")
      .limit(cap)
      .execute();
    return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, invitedBy: r.inviter, createdAt: r.created_at, expiresAt: r.expires_at }));
  });
}

/**
 * Invites an address with a role and emails it a one-time link (P19, "access granted"). Inviting the same
 * address again replaces the pending invitation, so only the newest link works.
 */
export async function createInvitation(ctx: Ctx, input: InvitationInput, links: Links & { workspace: string }): Promise<{ id: string; token: string }> {
  authorize(ctx, "members.manage");
  if (input.role === "owner") authorize(ctx, "owners.manage");
  const email = input.email.trim();
  return inTransaction(ctx, async (tx) => {
    const member = await tx.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("m.user_id")
      .where("u.email_normalized", "=", normalizeEmail(email))
      .executeTakeFirst();
    if (member) throw new Invalid({ email: "This person is already a member of the workspace." });
    const replaced = await tx.db
      .updateTable("invitations")
      .set({ revoked_at: tx.now })
      .where(sql<boolean>`lower(email) = ${normalizeEmail(email)}`)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    for (const r of replaced) await audit(tx, "invitation.revoked", { type: "invitation", id: r.id }, { reason: "replaced by a new invitation" });
    const id = Bun.randomUUIDv7();
    const token = newToken();
    await tx.db
      .insertInto("invitations")
      .values({
        tenant_id: tx.tenantId!,
        id,
        email,
        role: input.role,
        token_hash: hashInvitationToken(token),
        invited_by: tx.actor?.id ?? null,
        created_at: tx.now,
        expires_at: new Date(tx.now.getTime() + INVITATION_DAYS * 86_400_000),
      })
      .execute();
    const mail = invitationEmail({
      inviter: tx.actor?.label ?? "A member",
      workspace: links.workspace,
      role: ROLE_LABELS[input.role].toLowerCase(),
      url: `${links.baseUrl}/invitations/${token}`,
      days: INVITATION_DAYS,
    });
    await sendEmailLater(tx, `invite:${id}`, { to: email, ...mail });
    await audit(tx, "invitation.created", { type: "invitation", id }, { email, role: input.role });
    return { id, token };
  });
}

export async function revokeInvitation(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "members.manage");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const inv = await tx.db.selectFrom("invitations").select(["id", "accepted_at", "revoked_at"]).where("id", "=", id).forUpdate().executeTakeFirst();
    if (!inv) throw new NotFound();
    if (inv.revoked_at) return; // revoking twice is the same as once
    if (inv.accepted_at) throw new Conflict("This invitation was already accepted. Remove the member instead.");
    await tx.db.updateTable("invitations").set({ revoked_at: tx.now }).where("id", "=", id).execute();
    await audit(tx, "invitation.revoked", { type: "invitation", id });
  });
}

export interface OpenInvitation {
  id: string;
  tenantId: string;
  email: string;
  role: Role;
  workspace: { name: string; slug: string };
}

/**
 * The invitation behind a token, while it can still be accepted; null when it is unknown, expired, revoked or
 * used (the page says the same for all four). The token names the workspace through a narrow lookup, since
 * the visitor is not a member yet.
 */
export async function openInvitation(db: DB, token: string, now: Date): Promise<OpenInvitation | null> {
  if (token.length > 128) return null;
  const r = await sql<{ tenant_id: string; invitation_id: string }>`
    select * from app_private.invitation_by_token(${hashInvitationToken(token)})`.execute(db);
  const found = r.rows[0];
  if (!found) return null;
  const ctx: Ctx = { db, tenantId: found.tenant_id, actor: null, now, ip: null, userAgent: null };
  return inTransaction(ctx, (tx) => readOpen(tx, found.invitation_id));
}

/** Whether the invited address already has an account: the invitee is then offered sign-in, not sign-up. */
export async function hasAccount(db: DB, email: string): Promise<boolean> {
  return !!(await db.selectFrom("users").select("id").where("email_normalized", "=", normalizeEmail(email)).executeTakeFirst());
}

async function readOpen(tx: Ctx, id: string, lock = false): Promise<OpenInvitation | null> {
  let q = tx.db
    .selectFrom("invitations as i")
    .innerJoin("tenants as t", "t.id", "i.tenant_id")
    .select(["i.id", "i.tenant_id", "i.email", "i.role", "i.expires_at", "i.accepted_at", "i.revoked_at", "t.name", "t.slug"])
    .select(sql<string>`t.status`.as("status"))
    .where("i.id", "=", id);
  if (lock) q = q.forUpdate("i");
  const row = await q.executeTakeFirst();
  // A cancelled or suspended workspace takes no new members (P16, P17): its invitations are closed with it.
  if (!row || row.accepted_at || row.revoked_at || row.expires_at.getTime() <= tx.now.getTime() || row.status !== "active") return null;
  return { id: row.id, tenantId: row.tenant_id, email: row.email, role: row.role, workspace: { name: row.name, slug: row.slug } };
}

export type Acceptance = { ok: true; slug: string; alreadyMember: boolean } | { ok: false };

/** Locks the invitation in its workspace's transaction so one token can be used only once, even by two at once. */
async function withOpenInvitation<T>(ctx: Ctx, token: string, fn: (tx: Ctx, inv: OpenInvitation) => Promise<T>): Promise<T | { ok: false }> {
  const peek = await openInvitation(ctx.db, token, ctx.now);
  if (!peek) return { ok: false };
  return inTransaction({ ...ctx, tenantId: peek.tenantId }, async (tx) => {
    const inv = await readOpen(tx, peek.id, true);
    return inv ? fn(tx, inv) : { ok: false as const };
  });
}

async function join(tx: Ctx, inv: OpenInvitation, user: { id: string; email: string }): Promise<void> {
  await tx.db.insertInto("memberships").values({ tenant_id: inv.tenantId, user_id: user.id, role: inv.role, created_at: tx.now }).execute();
  await tx.db.updateTable("invitations").set({ accepted_at: tx.now }).where("id", "=", inv.id).execute();
  // Whoever holds the link may accept it: both addresses are kept, so a mismatch is visible in the trail.
  await audit(tx, "invitation.accepted", { type: "invitation", id: inv.id }, { invited_email: inv.email, accepted_by_email: user.email, role: inv.role });
  await audit(tx, "member.added", { type: "user", id: user.id }, { role: inv.role, invitation: inv.id });
}

/** A signed-in user accepts: they join with the invited role. Someone already a member is just let through. */
export async function acceptInvitation(ctx: Ctx, token: string, user: Pick<User, "id" | "email">): Promise<Acceptance> {
  return withOpenInvitation(ctx, token, async (tx, inv) => {
    const existing = await tx.db.selectFrom("memberships").select("user_id").where("user_id", "=", user.id).executeTakeFirst();
    if (existing) return { ok: true as const, slug: inv.workspace.slug, alreadyMember: true };
    await join(tx, inv, user);
    return { ok: true as const, slug: inv.workspace.slug, alreadyMember: false };
  });
}

/**
 * A newcomer accepts by creating an account for the invited address (name and password only, P01) and is
 * signed in. The account, the membership, the used invitation and the session commit together.
 */
export async function signUpToAccept(
  ctx: Ctx,
  token: string,
  input: z.output<typeof AcceptSignupSchema>,
  policy: SessionPolicy,
): Promise<{ ok: true; slug: string; token: string } | { ok: false }> {
  const peek = await openInvitation(ctx.db, token, ctx.now);
  if (!peek) return { ok: false };
  const problem = passwordProblem(input.password, { email: peek.email, name: input.name });
  if (problem) throw new Invalid({ password: problem });
  const passwordHash = await hashPassword(input.password);
  return withOpenInvitation(ctx, token, async (tx, inv) => {
    const user = await createUser(tx, { name: input.name, email: inv.email, passwordHash });
    if (!user) throw new Invalid({ _form: "This email already has an account. Sign in to accept the invitation." });
    const actorTx: Ctx = { ...tx, actor: { type: "user", id: user.id, label: user.name, role: null } };
    await join(actorTx, inv, user);
    const { token: sessionToken } = await createSession(actorTx, user.id, policy);
    return { ok: true as const, slug: inv.workspace.slug, token: sessionToken };
  });
}
