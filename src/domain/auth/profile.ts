import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Invalid } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import type { User } from "../schema.ts";
import { normalizeEmail, type Links } from "./accounts.ts";
import { emailChangedEmail, emailChangeEmail, passwordChangedEmail } from "./emails.ts";
import { hashToken, newPasswordProblem, newToken, TOKEN_PATTERN } from "./password-reset.ts";
import { hashPassword, rememberPassword, verifyPassword } from "./passwords.ts";
import { invalidateUserSessions } from "./sessions.ts";

// The signed-in user's own account (P14 rectification). Every change is audited as a platform event (no
// workspace), with the user as actor.

export const EMAIL_CHANGE_TTL_HOURS = 24;
export const WRONG_PASSWORD = "That isn't your current password.";
const EMAIL_UNAVAILABLE = "This email can't be used.";
const TAKEN_MEANWHILE = "Another account started using this email after you asked for the change, so it can't be used. Choose another address.";

function own(ctx: Ctx, user: Pick<User, "id" | "name">): Ctx {
  return { ...ctx, tenantId: null, actor: { type: "user", id: user.id, label: user.name } };
}

async function lockedUser(ctx: Ctx, userId: string): Promise<User> {
  return ctx.db.selectFrom("users").selectAll().where("id", "=", userId).forUpdate().executeTakeFirstOrThrow();
}

/** Renames the user; the audit keeps the name before and after. Returns whether anything changed. */
export async function updateName(ctx: Ctx, userId: string, name: string): Promise<boolean> {
  return inTransaction({ ...ctx, tenantId: null }, async (tx) => {
    const before = await lockedUser(tx, userId);
    const changes = diff({ name: before.name }, { name }, ["name"]);
    if (!Object.keys(changes).length) return false;
    await tx.db.updateTable("users").set({ name, updated_at: tx.now }).where("id", "=", userId).execute();
    await audit(own(tx, before), "user.updated", { type: "user", id: userId }, changes);
    return true;
  });
}

/**
 * Starts a change of address: the current password proves it is the owner at the keyboard, and the link goes
 * to the new address, so nobody can move an account to an address they don't read.
 */
export async function requestEmailChange(ctx: Ctx, user: User, input: { email: string; password: string }, links: Links): Promise<void> {
  if (!(await verifyPassword(user.password_hash, input.password))) throw new Invalid({ password: WRONG_PASSWORD });
  const email = input.email.trim();
  const normalized = normalizeEmail(email);
  if (normalized === user.email_normalized) throw new Invalid({ email: "This is already your email." });
  const taken = await ctx.db.selectFrom("users").select("id").where("email_normalized", "=", normalized).executeTakeFirst();
  if (taken) throw new Invalid({ email: EMAIL_UNAVAILABLE });
  const { token, hash } = newToken();
  const id = Bun.randomUUIDv7();
  await inTransaction(own(ctx, user), async (tx) => {
    await tx.db
      .insertInto("email_change_tokens")
      .values({ id, user_id: user.id, new_email: email, token_hash: hash, created_at: tx.now, expires_at: new Date(tx.now.getTime() + EMAIL_CHANGE_TTL_HOURS * 3_600_000) })
      .execute();
    await audit(tx, "email_change.requested", { type: "user", id: user.id }, { to: email });
    const mail = emailChangeEmail({ name: user.name, url: `${links.baseUrl}/profile/email/${token}`, hours: EMAIL_CHANGE_TTL_HOURS });
    await sendEmailLater(tx, `email-change:${id}`, { to: email, ...mail });
  });
}

export type EmailChangeOutcome = { ok: true; email: string } | { ok: false };

/**
 * Confirms a change of address from the emailed link, for the user it was made for. The old address is told,
 * so a hijacked account does not change hands silently. Conflict when the address was taken meanwhile.
 */
export async function confirmEmailChange(ctx: Ctx, userId: string, token: string): Promise<EmailChangeOutcome> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false };
  return inTransaction({ ...ctx, tenantId: null }, async (tx) => {
    const row = await tx.db
      .selectFrom("email_change_tokens")
      .selectAll()
      .where("token_hash", "=", hashToken(token))
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .where("expires_at", ">", tx.now)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false as const };
    const user = await lockedUser(tx, userId);
    const normalized = normalizeEmail(row.new_email);
    const taken = await tx.db.selectFrom("users").select("id").where("email_normalized", "=", normalized).where("id", "!=", userId).executeTakeFirst();
    if (taken) throw new Conflict(TAKEN_MEANWHILE);
    await tx.db
      .updateTable("users")
      .set({ email: row.new_email, email_normalized: normalized, updated_at: tx.now })
      .where("id", "=", userId)
      .execute()
      .catch((err: { code?: string }) => {
        // A sign-up with the same address can commit between the check above and this update.
        throw err?.code === "23505" ? new Conflict(TAKEN_MEANWHILE) : err;
      });
    await tx.db.updateTable("email_change_tokens").set({ used_at: tx.now }).where("user_id", "=", userId).where("used_at", "is", null).execute();
    const actorTx = own(tx, user);
    await audit(actorTx, "user.email_changed", { type: "user", id: userId }, { email: { from: user.email, to: row.new_email } });
    await sendEmailLater(actorTx, `email-changed:${row.id}`, { to: user.email, ...emailChangedEmail({ name: user.name, newEmail: row.new_email }) });
    return { ok: true as const, email: row.new_email };
  });
}

/**
 * Changes the password after checking the current one; every other session ends (whoever knew the old password
 * may be signed in elsewhere), this one stays. Returns how many sessions ended.
 */
export async function changePassword(ctx: Ctx, user: User, keepSessionId: string, input: { current: string; password: string }, links: Links): Promise<number> {
  if (!(await verifyPassword(user.password_hash, input.current))) throw new Invalid({ current_password: WRONG_PASSWORD });
  const problem = await newPasswordProblem(ctx, user, input.password);
  if (problem) throw new Invalid({ new_password: problem });
  const passwordHash = await hashPassword(input.password);
  return inTransaction(own(ctx, user), async (tx) => {
    await tx.db.updateTable("users").set({ password_hash: passwordHash, updated_at: tx.now }).where("id", "=", user.id).execute();
    await rememberPassword(tx, user.id, passwordHash);
    const ended = await invalidateUserSessions(tx.db, user.id, keepSessionId);
    await audit(tx, "password.changed", { type: "user", id: user.id }, { sessions_ended: ended });
    const mail = passwordChangedEmail({ name: user.name, how: "changed", resetUrl: `${links.baseUrl}/password-reset` });
    await sendEmailLater(tx, `password-changed:${Bun.randomUUIDv7()}`, { to: user.email, ...mail });
    return ended;
  });
}

/** "Sign out everywhere else": ends every session of the user but this one. */
export async function signOutOtherSessions(ctx: Ctx, user: Pick<User, "id" | "name">, keepSessionId: string): Promise<number> {
  return inTransaction(own(ctx, user), async (tx) => {
    const ended = await invalidateUserSessions(tx.db, user.id, keepSessionId);
    await audit(tx, "session.revoked_others", { type: "user", id: user.id }, { count: ended });
    return ended;
  });
}
