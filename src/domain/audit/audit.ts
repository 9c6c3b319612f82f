import { inTransaction, type Ctx } from "../context.ts";

export interface Target {
  type: string;
  id: string;
}

// Never recorded, whatever a caller passes: secrets and their hashes.
const SECRET = /pass(word)?|secret|token|hash|key/i;

/** Removes secret-looking fields, keeping the fact that they changed. */
export function redact(changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) {
    if (SECRET.test(k)) out[k] = "[redacted]";
    else if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

/** Before/after of the fields that differ, e.g. { name: { from: "A", to: "B" } }. */
export function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>, fields: (keyof T)[]): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const f of fields) {
    if (f in after && after[f] !== before[f]) out[f as string] = { from: before[f] ?? null, to: after[f] ?? null };
  }
  return out;
}

/**
 * Records one event in the audit trail, in the caller's transaction: the event exists exactly when the change
 * does. Events without a workspace (sign-ins, lockouts) pass tenantId null through ctx.
 */
export async function audit(ctx: Ctx, action: string, target: Target | null, changes?: Record<string, unknown>): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await tx.db
      .insertInto("audit_events")
      .values({
        id: Bun.randomUUIDv7(),
        tenant_id: tx.tenantId,
        actor_type: tx.actor?.type ?? "anonymous",
        actor_id: tx.actor?.id ?? null,
        actor_label: tx.actor?.label ?? null,
        action,
        target_type: target?.type ?? null,
        target_id: target?.id ?? null,
        ip: tx.ip,
        user_agent: tx.userAgent?.slice(0, 400) ?? null,
        changes: changes && Object.keys(changes).length ? redact(changes) : null,
        created_at: tx.now,
      })
      .execute();
  });
}
