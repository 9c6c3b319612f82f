import { audit } from "../audit/audit.ts";
import type { Links } from "../auth/accounts.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Conflict, Forbidden, Invalid, NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import type { User } from "../schema.ts";
import { workspaceCancelledEmail } from "./lifecycle-emails.ts";
import { lifecycleDb, type SubscriptionStatus, type WorkspaceLifecycle, type WorkspaceStatus } from "./lifecycle-tables.ts";
import { authorize } from "./permissions.ts";

// P16 and P17. A cancelled workspace (an owner's choice) or a suspended one (its subscription lapsed) is read-only
// for 30 days: everything can be read and exported, nothing changed. An owner can reactivate a cancelled one until
// then; a suspended one comes back when a payment goes through (src/domain/billing/billing.ts). After the 30 days
// the daily workspace-lifecycle job hands it to the purge (lifecycle-sweep.ts).

export const LIFECYCLE_DAYS = 30;
const DAY = 86_400_000;

/** A subscription in one of these states is not being paid: the workspace is suspended while it lasts. */
export const UNPAID: ReadonlySet<SubscriptionStatus> = new Set(["lapsed", "cancelled"]);

export function isReadOnly(lc: WorkspaceLifecycle | undefined): boolean {
  return !!lc && lc.status !== "active";
}

/** What a write into a read-only workspace gets: 403 with the reason and the dates. */
export class WorkspaceReadOnly extends Forbidden {}

export function purgeDate(from: Date): Date {
  return new Date(from.getTime() + LIFECYCLE_DAYS * DAY);
}

export interface BillingSummary {
  status: SubscriptionStatus;
  cardLast4: string | null;
  periodEnd: Date | null;
}

export interface LifecycleOverview {
  lifecycle: WorkspaceLifecycle;
  billing: BillingSummary | null;
}

/** For the owners' section of Settings: the workspace's state and, if linked, its subscription. */
export async function lifecycleOverview(ctx: Ctx): Promise<LifecycleOverview> {
  authorize(ctx, "workspace.lifecycle");
  return inTransaction(ctx, async (tx) => {
    const db = lifecycleDb(tx.db);
    const t = await db.selectFrom("tenants").select(["status", "cancelled_at", "suspended_at", "purge_after"]).where("id", "=", tx.tenantId!).executeTakeFirst();
    if (!t) throw new NotFound();
    const b = await db.selectFrom("billing_accounts").select(["status", "card_last4", "period_end"]).where("tenant_id", "=", tx.tenantId!).executeTakeFirst();
    return {
      lifecycle: { status: t.status, cancelledAt: t.cancelled_at, suspendedAt: t.suspended_at, purgeAfter: t.purge_after },
      billing: b ? { status: b.status, cardLast4: b.card_last4, periodEnd: b.period_end } : null,
    };
  });
}

async function confirmPassword(user: User, password: string) {
  if (!password) throw new Invalid({ password: "Enter your password to confirm." });
  if (!(await verifyPassword(user.password_hash, password))) throw new Invalid({ password: "That password is not right." });
}

async function lockedTenant(tx: Ctx) {
  const t = await lifecycleDb(tx.db)
    .selectFrom("tenants")
    .select(["id", "name", "slug", "status", "cancelled_at", "suspended_at", "purge_after"])
    .where("id", "=", tx.tenantId!)
    .forUpdate()
    .executeTakeFirst();
  if (!t) throw new NotFound();
  return t;
}

/**
 * P16: an owner cancels, with their password. The workspace turns read-only at once and is deleted 30 days later
 * unless an owner reactivates it. Every member is told by email, with the date.
 */
export async function cancelWorkspace(ctx: Ctx, user: User, password: string, links: Links): Promise<{ purgeAfter: Date }> {
  authorize(ctx, "workspace.lifecycle");
  await confirmPassword(user, password);
  return inTransaction(ctx, async (tx) => {
    const t = await lockedTenant(tx);
    if (t.status !== "active") throw new Conflict("This workspace is not active, so it cannot be cancelled now.");
    const purgeAfter = purgeDate(tx.now);
    await lifecycleDb(tx.db)
      .updateTable("tenants")
      .set({ status: "cancelled", cancelled_at: tx.now, purge_after: purgeAfter, updated_at: tx.now })
      .where("id", "=", t.id)
      .execute();
    await audit(tx, "workspace.cancelled", { type: "workspace", id: t.id }, { status: { from: "active", to: "cancelled" }, purge_after: purgeAfter.toISOString() });
    const members = await tx.db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select(["users.id", "users.email", "memberships.role"])
      .where("memberships.tenant_id", "=", t.id)
      .execute();
    for (const m of members) {
      const mail = workspaceCancelledEmail({
        workspace: t.name,
        by: user.name,
        cancelledAt: tx.now,
        purgeAfter,
        settingsUrl: `${links.baseUrl}/t/${t.slug}${m.role === "owner" ? "/settings" : ""}`,
        owner: m.role === "owner",
      });
      // One email per member and cancellation: a retried request cannot send a second one.
      await sendEmailLater(tx, `workspace-cancelled:${t.id}:${tx.now.getTime()}:${m.id}`, { to: m.email, ...mail });
    }
    return { purgeAfter };
  });
}

/**
 * P16: an owner takes a cancellation back, with their password, until the 30 days are over. A subscription that
 * lapsed meanwhile leaves the workspace suspended (not active) with the deadline it already had.
 */
export async function reactivateWorkspace(ctx: Ctx, user: User, password: string): Promise<{ status: WorkspaceStatus }> {
  authorize(ctx, "workspace.lifecycle");
  await confirmPassword(user, password);
  return inTransaction(ctx, async (tx) => {
    const t = await lockedTenant(tx);
    if (t.status === "active") return { status: "active" as const };
    if (t.status === "suspended") throw new Conflict("This workspace is suspended because its subscription lapsed: it becomes active again as soon as a payment goes through.");
    if (t.status === "purging" || !t.purge_after || t.purge_after <= tx.now) {
      throw new Conflict("The 30 days are over: this workspace is being deleted and can no longer be reactivated.");
    }
    const db = lifecycleDb(tx.db);
    const billing = await db.selectFrom("billing_accounts").select("status").where("tenant_id", "=", t.id).executeTakeFirst();
    const unpaid = !!billing && UNPAID.has(billing.status);
    const status: WorkspaceStatus = unpaid ? "suspended" : "active";
    await db
      .updateTable("tenants")
      .set(unpaid ? { status, cancelled_at: null, suspended_at: tx.now } : { status, cancelled_at: null, suspended_at: null, purge_after: null })
      .set({ updated_at: tx.now })
      .where("id", "=", t.id)
      .execute();
    await audit(tx, "workspace.reactivated", { type: "workspace", id: t.id }, { status: { from: "cancelled", to: status } });
    return { status };
  });
}
