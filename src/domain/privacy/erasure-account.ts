import { revokeUserApiCredentials } from "../api/keys.ts";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import type { Links } from "../auth/accounts.ts";
import { hashToken, newToken, TOKEN_PATTERN } from "../auth/password-reset.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { invalidateUserSessions } from "../auth/sessions.ts";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Invalid } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { enqueue } from "../queue.ts";
import type { User } from "../schema.ts";
import { mergeCounts, newPseudonym, planErasure, readCatalogue, runErasure, type Subjects } from "./erasure-engine.ts";
import { accountErasedEmail, accountErasureScheduledEmail } from "./request-emails.ts";
import type { Selectable } from "kysely";
import type { AccountErasuresTable } from "./request-tables.ts";

// P15: a user deletes their account. At once: sign-in stops, every session ends (and API keys, once they exist),
// and the purge is scheduled after a grace period during which a link in the email cancels it, signed out (the
// account can't sign in, so the link is the way back). Then a job, driven by the data map, deletes their own rows,
// pseudonymises their authorship in every workspace and their audit rows, appends the ledger and emails a
// confirmation.
//
// Sign-in is stopped by locking the account until the end of time (signIn refuses a locked account with its
// generic message). The lock is lifted only by a cancellation.

export const ERASURE_GRACE_DAYS = 14;
const DAY = 86_400_000;
/** Far enough to be "never", near enough to be a valid JavaScript date (postgres' infinity is not one). */
export const LOCKED_FOR_ERASURE = new Date("9999-12-31T00:00:00Z");

export type AccountErasure = Selectable<AccountErasuresTable>;

/** P15/P22: the user's API keys and refresh tokens stop working at once, in every workspace. */
export async function revokeApiKeysOfUser(tx: Ctx, userId: string): Promise<number> {
  return revokeUserApiCredentials(tx, userId);
}

/** Workspaces this user is the only owner of while others are members: erasure waits for a hand-over. */
export async function soleOwnerships(ctx: Ctx, userId: string): Promise<string[]> {
  const mine = await sql<{ tenant_id: string; name: string; role: string }>`select tenant_id, name, role from app_private.user_workspaces(${userId}::uuid)`.execute(ctx.db);
  const blocked: string[] = [];
  for (const w of mine.rows.filter((r) => r.role === "owner")) {
    const others = await inTransaction({ ...ctx, tenantId: w.tenant_id }, (tx) =>
      tx.db.selectFrom("memberships").select(["role"]).where("tenant_id", "=", w.tenant_id).where("user_id", "!=", userId).execute(),
    );
    if (others.length && !others.some((o) => o.role === "owner")) blocked.push(w.name);
  }
  return blocked;
}

/** For signIn (and password reset): true while the account is waiting to be erased, so neither lets it back in. */
export async function erasurePending(db: DB, userId: string): Promise<boolean> {
  return !!(await db.selectFrom("account_erasures").select("id").where("user_id", "=", userId).where("state", "in", ["scheduled", "processing", "failed"]).executeTakeFirst());
}

export async function openAccountErasure(db: DB, userId: string): Promise<AccountErasure | undefined> {
  return db.selectFrom("account_erasures").selectAll().where("user_id", "=", userId).where("state", "in", ["scheduled", "processing", "failed"]).executeTakeFirst();
}

/**
 * The user asked, with their password. Wrong password: Invalid (422). Sole owner of a workspace with other
 * members: Invalid with the names, until they make someone else an owner.
 */
export async function requestAccountErasure(ctx: Ctx, user: User, password: string, links: Links, graceDays = ERASURE_GRACE_DAYS): Promise<AccountErasure> {
  if (!password) throw new Invalid({ password: "Enter your password to confirm." });
  if (!(await verifyPassword(user.password_hash, password))) throw new Invalid({ password: "That password is not right." });
  const blocked = await soleOwnerships(ctx, user.id);
  if (blocked.length) {
    throw new Invalid({
      _form: `You are the only owner of ${blocked.join(", ")}, which other people use. Make one of them an owner (Members page) first, so the workspace keeps an owner.`,
    });
  }
  const account: Ctx = { ...ctx, tenantId: null, actor: { type: "user", id: user.id, label: user.name } };
  return inTransaction(account, async (tx) => {
    const open = await openAccountErasure(tx.db, user.id);
    if (open) return open;
    const { token, hash } = newToken();
    const row: AccountErasure = {
      id: Bun.randomUUIDv7(),
      user_id: user.id,
      state: "scheduled",
      requested_at: tx.now,
      scheduled_for: new Date(tx.now.getTime() + graceDays * DAY),
      cancel_token_hash: hash,
      cancelled_at: null,
      started_at: null,
      completed_at: null,
      failure: null,
      result_counts: {},
    };
    await tx.db.insertInto("account_erasures").values(row).execute();
    await tx.db.updateTable("users").set({ locked_until: LOCKED_FOR_ERASURE }).where("id", "=", user.id).execute();
    const sessions = await invalidateUserSessions(tx.db, user.id);
    const keys = await revokeApiKeysOfUser(tx, user.id);
    await audit(tx, "account.erasure_requested", { type: "account_erasure", id: row.id }, { scheduled_for: row.scheduled_for.toISOString(), sessions_ended: sessions, api_keys_revoked: keys });
    const mail = accountErasureScheduledEmail({ name: user.name, when: row.scheduled_for.toISOString().slice(0, 10), days: graceDays, cancelUrl: `${links.baseUrl}/account-deletion/${token}` });
    await sendEmailLater(tx, `account-erasure-scheduled:${row.id}`, { to: user.email, ...mail });
    await enqueue(tx, "account-erasure", { erasureId: row.id }, { runAt: row.scheduled_for, jobKey: `account-erasure:${row.id}`, maxAttempts: 5 });
    return row;
  });
}

/** The scheduled erasure behind a cancellation link, while it can still be cancelled; null otherwise. */
export async function findCancellable(ctx: Ctx, token: string): Promise<AccountErasure | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await ctx.db.selectFrom("account_erasures").selectAll().where("cancel_token_hash", "=", hashToken(token)).where("state", "=", "scheduled").executeTakeFirst();
  return row && row.scheduled_for.getTime() > ctx.now.getTime() ? row : null;
}

/** Cancels from the emailed link (signed out): the account signs in again. False when the link is dead. */
export async function cancelAccountErasure(ctx: Ctx, token: string): Promise<boolean> {
  return inTransaction({ ...ctx, tenantId: null }, async (tx) => {
    const row = await findCancellable(tx, token);
    if (!row || !row.user_id) return false;
    const done = await tx.db
      .updateTable("account_erasures")
      .set({ state: "cancelled", cancelled_at: tx.now, cancel_token_hash: null })
      .where("id", "=", row.id)
      .where("state", "=", "scheduled")
      .executeTakeFirst();
    if (!Number(done.numUpdatedRows)) return false;
    await tx.db.updateTable("users").set({ locked_until: null }).where("id", "=", row.user_id).execute();
    await audit({ ...tx, actor: { type: "user", id: row.user_id } }, "account.erasure_cancelled", { type: "account_erasure", id: row.id });
    return true;
  });
}

/**
 * The purge (job, owner role). Each workspace is one transaction that also records its counts, so a crash
 * resumes where it stopped; the platform part (the account itself, its sessions, tokens, outbox mail and
 * account-level audit rows) comes last, with the confirmation email queued in the same transaction.
 */
export async function runAccountErasure(owner: DB, now: Date, erasureId: string): Promise<"done" | "skipped" | { notBefore: Date }> {
  const row = await owner.selectFrom("account_erasures").selectAll().where("id", "=", erasureId).executeTakeFirst();
  if (!row || !["scheduled", "processing", "failed"].includes(row.state)) return "skipped";
  // A worker whose clock runs ahead of the scheduler's: come back at the time, never early.
  if (row.scheduled_for.getTime() > now.getTime()) return { notBefore: row.scheduled_for };
  if (!row.user_id) return "skipped";
  // Claimed by one worker at a time (the job and the hourly sweep may meet); a claim older than half an hour is a
  // worker that died midway, and the purge resumes where its last committed workspace left it.
  const claimed = await owner
    .updateTable("account_erasures")
    .set({ state: "processing", started_at: now, failure: null })
    .where("id", "=", erasureId)
    .where((eb) => eb.or([eb("state", "in", ["scheduled", "failed"]), eb.and([eb("state", "=", "processing"), eb("started_at", "<", new Date(now.getTime() - 30 * 60_000))])]))
    .executeTakeFirst();
  if (!Number(claimed.numUpdatedRows)) return "skipped";
  const user = await owner.selectFrom("users").selectAll().where("id", "=", row.user_id).executeTakeFirst();
  const userId = row.user_id;
  const pseudonym = newPseudonym();
  const cat = await readCatalogue(owner);
  const subjects: Subjects = { userIds: [userId], contactIds: [], leadIds: [], emails: user ? [user.email_normalized] : [] };
  const opts = { mode: "user" as const, pseudonym, requestId: erasureId, ledgerSubject: { kind: "user" as const, ids: [userId] } };
  const tenants = await owner.selectFrom("tenants").select("id").orderBy("id").execute();
  const tenantSteps = planErasure(cat, new Set(["user", "email"]), "user", "tenant");
  try {
    for (const { id: tenantId } of tenants) {
      await inTransaction(systemCtx(owner, now, tenantId), async (tx) => {
        const counts = await runErasure(tx, tenantId, tenantSteps, subjects, opts);
        if (!Object.keys(counts).length) return;
        await audit(tx, "account.erased", { type: "account_erasure", id: erasureId }, { counts });
        await addCounts(tx, erasureId, counts);
      });
    }
    await inTransaction(systemCtx(owner, now, null), async (tx) => {
      const counts = await runErasure(tx, null, planErasure(cat, new Set(["user", "email"]), "user", "platform"), subjects, opts);
      if (user) {
        const mail = accountErasedEmail({ name: user.name });
        await sendEmailLater(tx, `account-erased:${erasureId}`, { to: user.email, ...mail });
      }
      await addCounts(tx, erasureId, counts);
      await tx.db.updateTable("account_erasures").set({ state: "completed", completed_at: now, cancel_token_hash: null, user_id: null }).where("id", "=", erasureId).execute();
      await audit(tx, "account.erased", { type: "account_erasure", id: erasureId }, { counts });
    });
    return "done";
  } catch (err) {
    const code = (err as { code?: string }).code;
    await owner.updateTable("account_erasures").set({ state: "failed", failure: `purge stopped${code ? ` (${code})` : ""}; it resumes on the next run` }).where("id", "=", erasureId).execute();
    throw err;
  }
}

async function addCounts(tx: Ctx, erasureId: string, counts: Record<string, number>) {
  const row = await tx.db.selectFrom("account_erasures").select("result_counts").where("id", "=", erasureId).forUpdate().executeTakeFirstOrThrow();
  await tx.db.updateTable("account_erasures").set({ result_counts: mergeCounts(row.result_counts, counts) }).where("id", "=", erasureId).execute();
}

/** Erasures whose grace period is over and that did not finish (the sweep's list: ids only). */
export async function dueAccountErasures(owner: DB, now: Date): Promise<string[]> {
  const rows = await owner.selectFrom("account_erasures").select("id").where("state", "in", ["scheduled", "processing", "failed"]).where("scheduled_for", "<=", now).orderBy("scheduled_for").limit(100).execute();
  return rows.map((r) => r.id);
}
