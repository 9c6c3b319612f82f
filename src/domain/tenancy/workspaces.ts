import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { Invalid } from "../errors.ts";
import type { Role } from "../schema.ts";
import type { WorkspaceLifecycle, WorkspaceStatus } from "./lifecycle-tables.ts";

// Words that are, or may become, top-level paths or look official.
export const RESERVED_SLUGS = new Set([
  "admin", "api", "app", "assets", "auth", "billing", "dev", "docs", "health", "help", "login", "logout", "new",
  "privacy", "root", "settings", "signin", "signout", "signup", "static", "status", "steward", "support", "system",
  "t", "terms", "vendor", "www",
]);

export const SlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, { error: "Use at least 3 characters." })
  .max(40, { error: "Use at most 40 characters." })
  .regex(/^[a-z0-9-]+$/, { error: "Use only lowercase letters, digits and hyphens." })
  .regex(/^[a-z0-9].*[a-z0-9]$/, { error: "Start and end with a letter or digit." })
  .refine((s) => !RESERVED_SLUGS.has(s), { error: "This address is reserved. Choose another." });

// PostgreSQL cannot store NUL in text: refuse it with a message rather than fail on insert (as the CRM forms do).
export const WorkspaceNameSchema = z
  .string()
  .trim()
  .min(1, { error: "Give the workspace a name." })
  .max(120, { error: "Use at most 120 characters." })
  .refine((v) => !v.includes("\0"), { error: "Remove the control characters from this field." });

export interface Membership {
  tenantId: string;
  name: string;
  slug: string;
  role: Role;
  /** Set by membershipBySlug: whether the workspace is read-only (cancelled, suspended) and until when. */
  lifecycle?: WorkspaceLifecycle;
}

/**
 * This user's membership of the workspace at `slug`, or null (not a member, or no such workspace: the same).
 * The same query says where the workspace is in its life, so read-only enforcement costs no second query.
 */
export async function membershipBySlug(db: DB, userId: string, slug: string): Promise<Membership | null> {
  const r = await sql<MembershipRow>`select * from app_private.membership_by_slug(${userId}, ${slug})`.execute(db);
  const row = r.rows[0];
  return row ? membershipOfRow(row) : null;
}

/** A row of app_private.membership_by_slug (also fetched with the session, see validateSessionToken). */
export interface MembershipRow { tenant_id: string; name: string; slug: string; role: Role; status: WorkspaceStatus; cancelled_at: Date | null; suspended_at: Date | null; purge_after: Date | null }

export function membershipOfRow(row: MembershipRow): Membership {
  const lifecycle = { status: row.status, cancelledAt: row.cancelled_at, suspendedAt: row.suspended_at, purgeAfter: row.purge_after };
  return { tenantId: row.tenant_id, name: row.name, slug: row.slug, role: row.role, lifecycle };
}

/** The current slug of a renamed workspace, for a member following an old link within 30 days. */
export async function redirectedSlug(db: DB, userId: string, oldSlug: string, now: Date): Promise<string | null> {
  const r = await sql<{ slug: string | null }>`select app_private.slug_redirect(${userId}, ${oldSlug}, ${now}) as slug`.execute(db);
  return r.rows[0]?.slug ?? null;
}

export async function userWorkspaces(db: DB, userId: string): Promise<Membership[]> {
  const r = await sql<{ tenant_id: string; name: string; slug: string; role: Role }>`
    select * from app_private.user_workspaces(${userId})`.execute(db);
  return r.rows.map((row) => ({ tenantId: row.tenant_id, name: row.name, slug: row.slug, role: row.role }));
}

/** Whether a slug is free; an old slug whose redirect has run out is released first. */
export async function slugAvailable(db: DB, slug: string, now: Date): Promise<boolean> {
  await sql`select app_private.release_expired_slug(${slug}, ${now})`.execute(db);
  const r = await sql<{ ok: boolean }>`select app_private.slug_available(${slug}, ${now}) as ok`.execute(db);
  return r.rows[0]!.ok;
}

/**
 * Creates a workspace with `ownerId` as its owner, in the caller's transaction (which it pins to the new
 * tenant). A taken slug is a field error, also when two sign-ups race for it.
 */
export async function createWorkspace(ctx: Ctx, input: { name: string; slug: string }, ownerId: string): Promise<{ id: string; slug: string }> {
  const id = Bun.randomUUIDv7();
  if (!(await slugAvailable(ctx.db, input.slug, ctx.now))) throw new Invalid({ slug: "This address is taken. Choose another." });
  return inTransaction(ctx, async (outer) => {
    await sql`select set_config('app.tenant_id', ${id}, true)`.execute(outer.db);
    const tx: Ctx = { ...outer, tenantId: id, actor: outer.actor ? { ...outer.actor, role: "owner" } : outer.actor };
    try {
      await sql`savepoint create_workspace`.execute(tx.db);
      await tx.db.insertInto("tenants").values({ id, name: input.name, slug: input.slug, created_at: tx.now, updated_at: tx.now }).execute();
      await sql`release savepoint create_workspace`.execute(tx.db);
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new Invalid({ slug: "This address is taken. Choose another." });
      throw err;
    }
    await tx.db.insertInto("memberships").values({ tenant_id: id, user_id: ownerId, role: "owner", created_at: tx.now }).execute();
    await audit(tx, "workspace.created", { type: "workspace", id }, { name: input.name, slug: input.slug });
    await audit(tx, "member.added", { type: "user", id: ownerId }, { role: "owner" });
    return { id, slug: input.slug };
  });
}
