import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import type { DB } from "../db.ts";
import type { User } from "../schema.ts";
import { createWorkspace, SlugSchema, WorkspaceNameSchema } from "../tenancy/workspaces.ts";
import { lockoutEmail, welcomeEmail } from "./emails.ts";
import { dummyVerify, hashPassword, passwordProblem, rememberPassword, verifyPassword } from "./passwords.ts";
import { createSession, type SessionPolicy } from "./sessions.ts";
import { erasurePending } from "../privacy/erasure-account.ts";

export const LOCKOUT = { failures: 10, windowMinutes: 15, lockMinutes: 15 };

export const EmailSchema = z
  .string()
  .trim()
  .max(320, { error: "Use at most 320 characters." })
  .pipe(z.email({ error: "Enter an email address like name@example.com." }));

export const NameSchema = z
  .string()
  .trim()
  .min(1, { error: "Enter your name." })
  .max(200, { error: "Use at most 200 characters." })
  .refine((v) => !v.includes("\0"), { error: "Remove the control characters from this field." }); // PostgreSQL text cannot hold NUL

// Passwords are taken as typed (no trimming); the rules are in passwordProblem().
export const PasswordSchema = z.string({ error: "Enter a password." }).max(1024, { error: "Use at most 256 characters." });

// A field missing from the form reads as empty, so its message is ours, not zod's "expected string".
const present = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? "", schema);

export const SignupSchema = z.object({
  name: present(NameSchema),
  email: present(EmailSchema),
  password: present(PasswordSchema),
  workspace_name: present(WorkspaceNameSchema),
  slug: present(SlugSchema),
});
export type SignupInput = z.output<typeof SignupSchema>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export interface Links {
  /** PUBLIC_URL: links in emails point here. */
  baseUrl: string;
}

/**
 * P01: an account is a name, an email and a password; the workspace a name and a slug. Creates all three rows,
 * the owner membership, the welcome email and a session in one transaction.
 */
export async function signUp(ctx: Ctx, input: SignupInput, policy: SessionPolicy, links: Links): Promise<{ user: User; slug: string; token: string }> {
  const problem = passwordProblem(input.password, { email: input.email, name: input.name });
  if (problem) throw new Invalid({ password: problem });
  const passwordHash = await hashPassword(input.password);
  return inTransaction(ctx, async (tx) => {
    const user = await createUser(tx, { name: input.name, email: input.email, passwordHash });
    if (!user) throw new Invalid({ email: "This email already has an account. Sign in instead, or reset your password." });
    const actorTx: Ctx = { ...tx, actor: { type: "user", id: user.id, label: user.name } };
    const ws = await createWorkspace(actorTx, { name: input.workspace_name, slug: input.slug }, user.id);
    const wsCtx: Ctx = { ...actorTx, tenantId: ws.id };
    const mail = welcomeEmail({ name: user.name, workspace: input.workspace_name, url: `${links.baseUrl}/t/${ws.slug}` });
    await sendEmailLater(wsCtx, `welcome:${user.id}`, { to: user.email, ...mail });
    const { token } = await createSession({ ...wsCtx, tenantId: null }, user.id, policy);
    return { user, slug: ws.slug, token };
  });
}

/**
 * Inserts an account with its first password in the history and audits the sign-up as an account event (no
 * workspace). Returns null when the email already has an account: callers word that for their own form.
 */
export async function createUser(tx: Ctx, input: { name: string; email: string; passwordHash: string }): Promise<User | null> {
  const normalized = normalizeEmail(input.email);
  const existing = await tx.db.selectFrom("users").select("id").where("email_normalized", "=", normalized).executeTakeFirst();
  if (existing) return null;
  const user: User = {
    id: Bun.randomUUIDv7(),
    name: input.name,
    email: input.email.trim(),
    email_normalized: normalized,
    password_hash: input.passwordHash,
    locked_until: null,
    created_at: tx.now,
    updated_at: tx.now,
  };
  await tx.db.insertInto("users").values(user).execute();
  await rememberPassword(tx, user.id, input.passwordHash);
  const account: Ctx = { ...tx, tenantId: null, actor: { type: "user", id: user.id, label: user.name, role: null } };
  await audit(account, "user.signed_up", { type: "user", id: user.id }, { name: user.name, email: user.email });
  return user;
}

export type SignInResult = { ok: true; user: User; token: string } | { ok: false };

/**
 * P06: ten failures in fifteen minutes lock the account for fifteen minutes whatever the IPs; while locked even
 * the right password fails, with the same answer as any failure. Unknown emails cost the same argon2 time.
 * Failures are committed (they must outlive the refusal), so this returns rather than throws.
 */
export async function signIn(ctx: Ctx, email: string, password: string, policy: SessionPolicy, links: Links): Promise<SignInResult> {
  const user = await checkPassword(ctx, email, password, links);
  if (!user) return { ok: false };
  return inTransaction({ ...ctx, tenantId: null, actor: { type: "user", id: user.id, label: user.name } }, async (tx) => {
    const { token, session } = await createSession(tx, user.id, policy);
    await audit(tx, "session.created", { type: "session", id: session.id });
    return { ok: true as const, user, token };
  });
}

/**
 * The password check behind every sign-in (the session form and the API token endpoint), with P06's lockout:
 * the user when the password is right and the account may sign in, else null (failures committed, audited).
 */
export async function checkPassword(ctx: Ctx, email: string, password: string, links: Links): Promise<User | null> {
  const account: Ctx = { ...ctx, tenantId: null };
  const user = await ctx.db.selectFrom("users").selectAll().where("email_normalized", "=", normalizeEmail(email)).executeTakeFirst();
  if (!user) {
    await dummyVerify(password);
    await audit(account, "session.failed", null, { reason: "unknown account" });
    return null;
  }
  const matches = await verifyPassword(user.password_hash, password);
  const actorCtx: Ctx = { ...account, actor: { type: "user", id: user.id, label: user.name } };
  if (user.locked_until && user.locked_until.getTime() > ctx.now.getTime()) {
    await audit(actorCtx, "session.refused", { type: "user", id: user.id }, { reason: "account locked" });
    return null;
  }
  // P15: an account waiting for its erasure never signs in again, even after a password reset lifted the lock.
  if (await erasurePending(ctx.db, user.id)) {
    await audit(actorCtx, "session.refused", { type: "user", id: user.id }, { reason: "account being deleted" });
    return null;
  }
  if (!matches) {
    await inTransaction(actorCtx, async (tx) => {
      await tx.db.insertInto("sign_in_failures").values({ id: Bun.randomUUIDv7(), user_id: user.id, ip: tx.ip, at: tx.now }).execute();
      await audit(tx, "session.failed", { type: "user", id: user.id }, { reason: "wrong password" });
      const since = new Date(tx.now.getTime() - LOCKOUT.windowMinutes * 60_000);
      const { n } = await tx.db
        .selectFrom("sign_in_failures")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("user_id", "=", user.id)
        .where("at", ">", since)
        .executeTakeFirstOrThrow();
      if (Number(n) >= LOCKOUT.failures) {
        const until = new Date(tx.now.getTime() + LOCKOUT.lockMinutes * 60_000);
        await tx.db.updateTable("users").set({ locked_until: until }).where("id", "=", user.id).execute();
        await tx.db.deleteFrom("sign_in_failures").where("user_id", "=", user.id).execute();
        await audit(tx, "account.locked", { type: "user", id: user.id }, { until: until.toISOString(), failures: Number(n) });
        const mail = lockoutEmail({ name: user.name, minutes: LOCKOUT.lockMinutes, resetUrl: `${links.baseUrl}/password-reset` });
        await sendEmailLater(tx, `lockout:${user.id}:${until.getTime()}`, { to: user.email, ...mail });
      }
    });
    return null;
  }
  await inTransaction(actorCtx, async (tx) => {
    await tx.db.deleteFrom("sign_in_failures").where("user_id", "=", user.id).execute();
    if (user.locked_until) await tx.db.updateTable("users").set({ locked_until: null }).where("id", "=", user.id).execute();
  });
  return user;
}

/** Failure records only matter inside the lockout window; after a day they are just a list of IPs. */
export async function purgeSignInFailures(db: DB, now: Date): Promise<number> {
  const res = await db.deleteFrom("sign_in_failures").where("at", "<", new Date(now.getTime() - 86_400_000)).executeTakeFirst();
  return Number(res.numDeletedRows);
}
