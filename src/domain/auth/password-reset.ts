import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Invalid } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import type { User } from "../schema.ts";
import { normalizeEmail, type Links } from "./accounts.ts";
import { passwordChangedEmail, passwordResetEmail } from "./emails.ts";
import { hashPassword, passwordProblem, rememberPassword, reusesRecentPassword } from "./passwords.ts";
import { invalidateUserSessions } from "./sessions.ts";

export const RESET_TTL_MINUTES = 60;

// Emailed links carry 160 random bits; the database keeps only SHA-256 of them, so a leaked table opens nothing.
const TOKEN_BYTES = 20;
export const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function newToken(): { token: string; hash: Uint8Array } {
  const bytes = new Uint8Array(TOKEN_BYTES);
  crypto.getRandomValues(bytes);
  const token = encodeBase32LowerCaseNoPadding(bytes);
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token));
}

export const REUSED_PASSWORD = "You have used this password recently. Choose one you haven't used for your last 5 passwords.";

/** The password problems shared by reset and change: the NIST rules (passwordProblem) and P03's history. */
export async function newPasswordProblem(ctx: Ctx, user: Pick<User, "id" | "email" | "name">, password: string): Promise<string | null> {
  const problem = passwordProblem(password, { email: user.email, name: user.name });
  if (problem) return problem;
  if (await reusesRecentPassword(ctx, user.id, password)) return REUSED_PASSWORD;
  return null;
}

/**
 * Sends a reset link when the address belongs to an account, and otherwise does comparable work (a token, a
 * rendered email, an audited transaction) so neither the answer nor its timing says which was the case.
 */
export async function requestPasswordReset(ctx: Ctx, email: string, links: Links): Promise<void> {
  const platform: Ctx = { ...ctx, tenantId: null };
  const user = await ctx.db.selectFrom("users").select(["id", "name", "email"]).where("email_normalized", "=", normalizeEmail(email)).executeTakeFirst();
  const { token, hash } = newToken();
  const id = Bun.randomUUIDv7();
  const mail = passwordResetEmail({ name: user?.name ?? "there", url: `${links.baseUrl}/password-reset/${token}`, minutes: RESET_TTL_MINUTES });
  if (!user) {
    await inTransaction(platform, (tx) => audit(tx, "password_reset.requested", null, { reason: "unknown account" }));
    return;
  }
  // The actor stays whoever asked (usually nobody signed in): knowing an address proves nothing about who typed it.
  await inTransaction(platform, async (tx) => {
    await tx.db
      .insertInto("password_reset_tokens")
      .values({ id, user_id: user.id, token_hash: hash, created_at: tx.now, expires_at: new Date(tx.now.getTime() + RESET_TTL_MINUTES * 60_000) })
      .execute();
    await audit(tx, "password_reset.requested", { type: "user", id: user.id }, { expires_in_minutes: RESET_TTL_MINUTES });
    await sendEmailLater(tx, `reset:${id}`, { to: user.email, ...mail });
  });
}

interface ResetToken {
  id: string;
  user: User;
}

/** The unused, unexpired reset token behind a link, with its user; null for anything else. */
export async function findResetToken(ctx: Ctx, token: string, opts: { lock?: boolean } = {}): Promise<ResetToken | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  let q = ctx.db
    .selectFrom("password_reset_tokens as t")
    .innerJoin("users as u", "u.id", "t.user_id")
    .select(["t.id as token_id"])
    .selectAll("u")
    .where("t.token_hash", "=", hashToken(token))
    .where("t.used_at", "is", null)
    .where("t.expires_at", ">", ctx.now);
  if (opts.lock) q = q.forUpdate("t");
  const row = await q.executeTakeFirst();
  if (!row) return null;
  const { token_id, ...user } = row;
  return { id: token_id, user };
}

export type ResetOutcome = { ok: true; userId: string } | { ok: false };

/**
 * Sets a new password from a reset link, in one transaction: the password, its history, the token and every
 * other outstanding one spent, the lockout lifted (P06: a reset unlocks), every session ended, the event audited
 * and a notice queued. Throws Invalid for a password the rules refuse; { ok: false } for a dead link.
 */
export async function resetPassword(ctx: Ctx, token: string, password: string, links: Links): Promise<ResetOutcome> {
  return inTransaction({ ...ctx, tenantId: null }, async (tx) => {
    // Locked so two submissions of one link cannot both succeed.
    const found = await findResetToken(tx, token, { lock: true });
    if (!found) return { ok: false as const };
    const { user } = found;
    const problem = await newPasswordProblem(tx, user, password);
    if (problem) throw new Invalid({ password: problem });
    const passwordHash = await hashPassword(password);
    const actorTx: Ctx = { ...tx, actor: { type: "user", id: user.id, label: user.name } };
    await tx.db.updateTable("users").set({ password_hash: passwordHash, locked_until: null, updated_at: tx.now }).where("id", "=", user.id).execute();
    await rememberPassword(tx, user.id, passwordHash);
    await tx.db.updateTable("password_reset_tokens").set({ used_at: tx.now }).where("user_id", "=", user.id).where("used_at", "is", null).execute();
    await tx.db.deleteFrom("sign_in_failures").where("user_id", "=", user.id).execute();
    const ended = await invalidateUserSessions(tx.db, user.id);
    const wasLocked = !!user.locked_until && user.locked_until.getTime() > tx.now.getTime();
    await audit(actorTx, "password.reset", { type: "user", id: user.id }, { sessions_ended: ended, unlocked: wasLocked });
    const mail = passwordChangedEmail({ name: user.name, how: "reset", resetUrl: `${links.baseUrl}/password-reset` });
    await sendEmailLater(actorTx, `password-reset-done:${found.id}`, { to: user.email, ...mail });
    return { ok: true as const, userId: user.id };
  });
}

/** Spent and expired links are useless; drop them after a day (the data map's retention). */
export async function purgeUserTokens(db: DB, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - 86_400_000);
  let n = 0;
  for (const table of ["password_reset_tokens", "email_change_tokens"] as const) {
    const res = await db.deleteFrom(table).where((eb) => eb.or([eb("expires_at", "<", cutoff), eb("used_at", "<", cutoff)])).executeTakeFirst();
    n += Number(res.numDeletedRows);
  }
  return n;
}
