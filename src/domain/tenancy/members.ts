import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import type { Role } from "../schema.ts";
import { authorize, can, ROLES } from "./permissions.ts";

export const RoleSchema = z.enum(ROLES as [Role, ...Role[]], { error: "Choose one of the roles listed." });

/** Not paginated yet: the page shows this many and says so when there are more. */
export const MEMBER_LIST_CAP = 500;

export interface ListedMember {
  userId: string;
  name: string;
  email: string;
  role: Role;
  joinedAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs: anything that is not a UUID cannot name a row, and must not reach Postgres as one. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

export async function listMembers(ctx: Ctx): Promise<{ members: ListedMember[]; truncated: boolean }> {
  authorize(ctx, "members.view");
  return inTransaction(ctx, async (tx) => {
    const rows = await tx.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select(["m.user_id", "u.name", "u.email", "m.role", "m.created_at"])
      .orderBy("m.created_at")
      .orderBy("m.user_id")
      .limit(MEMBER_LIST_CAP + 1)
      .execute();
    return {
      members: rows.slice(0, MEMBER_LIST_CAP).map((r) => ({ userId: r.user_id, name: r.name, email: r.email, role: r.role, joinedAt: r.created_at })),
      truncated: rows.length > MEMBER_LIST_CAP,
    };
  });
}

/**
 * Locks the workspace's owner rows (in a fixed order, so two demotions cannot deadlock) and counts them. A
 * concurrent demotion waits here and then re-reads, so two owners demoting each other cannot leave none.
 */
async function lockedOwnerCount(tx: Ctx): Promise<number> {
  const r = await sql<{ user_id: string }>`
    select user_id from memberships where tenant_id = ${tx.tenantId} and role = 'owner' order by user_id for update`.execute(tx.db);
  return r.rows.length;
}

async function lockedMembership(tx: Ctx, userId: string) {
  if (!isUuid(userId)) throw new NotFound();
  const m = await tx.db.selectFrom("memberships").select(["user_id", "role"]).where("user_id", "=", userId).forUpdate().executeTakeFirst();
  if (!m) throw new NotFound();
  return m;
}

const LAST_OWNER = "A workspace needs at least one owner. Make someone else an owner first.";

/** P10: a permission change, audited with its before and after. Owners are made and unmade only by owners. */
export async function changeRole(ctx: Ctx, userId: string, role: Role): Promise<{ from: Role; to: Role }> {
  authorize(ctx, "members.manage");
  if (role === "owner") authorize(ctx, "owners.manage");
  return inTransaction(ctx, async (tx) => {
    const owners = await lockedOwnerCount(tx);
    const member = await lockedMembership(tx, userId);
    if (member.role === "owner") authorize(tx, "owners.manage");
    if (member.role === role) return { from: role, to: role };
    if (member.role === "owner" && owners <= 1) throw new Conflict(LAST_OWNER);
    await tx.db.updateTable("memberships").set({ role }).where("user_id", "=", userId).execute();
    await audit(tx, "member.role_changed", { type: "user", id: userId }, diff({ role: member.role }, { role }, ["role"]));
    return { from: member.role, to: role };
  });
}

/**
 * Removes someone from the workspace, or lets a member leave. Their sessions stay (they may belong to other
 * workspaces), but the tenant middleware checks membership on every request, so access ends at once.
 */
export async function removeMember(ctx: Ctx, userId: string): Promise<{ self: boolean }> {
  const self = !!ctx.actor?.id && ctx.actor.id === userId;
  // Leaving needs no permission beyond being a member; removing someone else does.
  authorize(ctx, self ? "members.view" : "members.manage");
  return inTransaction(ctx, async (tx) => {
    const owners = await lockedOwnerCount(tx);
    const member = await lockedMembership(tx, userId);
    if (member.role === "owner" && !self && !can(tx.actor?.role, "owners.manage")) {
      throw new Forbidden("Only an owner can remove another owner.");
    }
    if (member.role === "owner" && owners <= 1) throw new Conflict(LAST_OWNER);
    await tx.db.deleteFrom("memberships").where("user_id", "=", userId).execute();
    await audit(tx, "member.removed", { type: "user", id: userId }, { role: member.role, ...(self && { left: true }) });
    return { self };
  });
}
