import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import type { Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { sql } from "kysely";
import type { User } from "../schema.ts";
import { membershipOfRow, type Membership, type MembershipRow } from "../tenancy/workspaces.ts";

// Sessions after Lucia's guide: the token is `<id>.<secret>`; the database keeps the id and SHA-256 of the secret,
// so a leaked table signs nobody in. Expiry slides: activity in the second half of the lifetime renews it.

export interface SessionPolicy {
  lifetimeDays: number;
}

export interface Session {
  id: string;
  userId: string;
  expiresAt: Date;
  /** True when validation renewed the expiry: the cookie should be re-sent. */
  renewed: boolean;
}

const LAST_SEEN_EVERY_MS = 60_000;

function randomPart(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export async function createSession(ctx: Ctx, userId: string, policy: SessionPolicy): Promise<{ token: string; session: Session }> {
  const id = randomPart();
  const secret = randomPart();
  const expiresAt = new Date(ctx.now.getTime() + policy.lifetimeDays * 86_400_000);
  await ctx.db
    .insertInto("sessions")
    .values({
      id,
      secret_hash: hashSecret(secret),
      user_id: userId,
      created_at: ctx.now,
      last_seen_at: ctx.now,
      expires_at: expiresAt,
      ip: ctx.ip,
      user_agent: ctx.userAgent?.slice(0, 400) ?? null,
    })
    .execute();
  return { token: `${id}.${secret}`, session: { id, userId, expiresAt, renewed: false } };
}

/** The membership's columns as the session query names them (m_…), all null when the user is no member there. */
type Prefixed = { [K in keyof MembershipRow as `m_${K}`]?: MembershipRow[K] | null };

/** The session and its user for a cookie's token, or null. Expired sessions are deleted on sight. */
export async function validateSessionToken(
  db: DB,
  token: string,
  now: Date,
  policy: SessionPolicy,
  meta: { ip: string | null; workspaceSlug?: string } = { ip: null },
): Promise<{ session: Session; user: User; membership?: Membership | null } | null> {
  const [id, secret] = token.split(".");
  if (!id || !secret || id.length > 64 || secret.length > 64) return null;
  // A page under /t/<slug> needs the user's membership there too: the same round trip fetches it (the tenant
  // middleware uses it only once this session has been proven valid below).
  const slug = meta.workspaceSlug;
  const r = await sql<User & { sid: string; secret_hash: Uint8Array; expires_at: Date; last_seen_at: Date; session_ip: string | null } & Prefixed>`
    select s.id as sid, s.secret_hash, s.expires_at, s.last_seen_at, s.ip as session_ip, u.*
      ${slug === undefined ? sql`` : sql`, m.tenant_id as m_tenant_id, m.name as m_name, m.slug as m_slug, m.role as m_role, m.status as m_status,
        m.cancelled_at as m_cancelled_at, m.suspended_at as m_suspended_at, m.purge_after as m_purge_after`}
    from sessions s join users u on u.id = s.user_id
      ${slug === undefined ? sql`` : sql`left join lateral app_private.membership_by_slug(u.id, ${slug}) m on true`}
    where s.id = ${id}`.execute(db);
  const row = r.rows[0];
  if (!row) return null;
  if (!constantTimeEqual(hashSecret(secret), new Uint8Array(row.secret_hash))) return null;
  if (row.expires_at.getTime() <= now.getTime()) {
    await db.deleteFrom("sessions").where("id", "=", id).execute();
    return null;
  }
  const lifetime = policy.lifetimeDays * 86_400_000;
  let expiresAt = row.expires_at;
  let renewed = false;
  const update: { expires_at?: Date; last_seen_at?: Date; ip?: string | null } = {};
  if (expiresAt.getTime() - now.getTime() < lifetime / 2) {
    expiresAt = new Date(now.getTime() + lifetime);
    update.expires_at = expiresAt;
    renewed = true;
  }
  if (now.getTime() - row.last_seen_at.getTime() > LAST_SEEN_EVERY_MS) {
    update.last_seen_at = now;
    if (meta.ip) update.ip = meta.ip;
  }
  if (Object.keys(update).length) await db.updateTable("sessions").set(update).where("id", "=", id).execute();
  const { sid: _sid, secret_hash: _h, expires_at: _e, last_seen_at: _l, session_ip: _ip, m_tenant_id, m_name, m_slug, m_role, m_status, m_cancelled_at, m_suspended_at, m_purge_after, ...user } = row;
  const found = { session: { id, userId: user.id, expiresAt, renewed }, user: user as User };
  if (slug === undefined) return found;
  const membership =
    m_tenant_id && m_name && m_slug && m_role && m_status
      ? membershipOfRow({ tenant_id: m_tenant_id, name: m_name, slug: m_slug, role: m_role, status: m_status, cancelled_at: m_cancelled_at ?? null, suspended_at: m_suspended_at ?? null, purge_after: m_purge_after ?? null })
      : null;
  return { ...found, membership };
}

export async function invalidateSession(db: DB, sessionId: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", sessionId).execute();
}

/** Ends every session of a user, or every one but `keep`. Returns how many ended. */
export async function invalidateUserSessions(db: DB, userId: string, keep?: string): Promise<number> {
  let q = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (keep) q = q.where("id", "!=", keep);
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

export async function listSessions(db: DB, userId: string) {
  return db
    .selectFrom("sessions")
    .select(["id", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"])
    .where("user_id", "=", userId)
    .orderBy("last_seen_at", "desc")
    .execute();
}

/** Deletes sessions past their expiry (validation deletes them on sight too, but idle ones are never seen). */
export async function purgeExpiredSessions(db: DB, now: Date): Promise<number> {
  const res = await db.deleteFrom("sessions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
