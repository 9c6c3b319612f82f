import { sql } from "kysely";
import type { DB } from "./db.ts";

import type { Role } from "./schema.ts";

export interface Actor {
  type: "user" | "api" | "system";
  id: string | null;
  /** Shown in the audit trail; replaced by a pseudonym on erasure. */
  label?: string | null;
  /** The actor's role in ctx.tenantId, when acting in a workspace. */
  role?: Role | null;
}

/** Everything a domain function needs to know about who is acting, where, and when. */
export interface Ctx {
  db: DB;
  tenantId: string | null;
  actor: Actor | null;
  now: Date;
  ip: string | null;
  userAgent: string | null;
}

export const systemActor: Actor = { type: "system", id: null };

export function systemCtx(db: DB, now = new Date(), tenantId: string | null = null): Ctx {
  return { db, tenantId, actor: systemActor, now, ip: null, userAgent: null };
}

/**
 * Runs fn in one transaction with the tenant pinned for row-level security. The setting is transaction-local,
 * so a pooled connection never carries one workspace's tenant into another's request.
 */
export async function inTransaction<T>(ctx: Ctx, fn: (tx: Ctx) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.tenantId) await sql`select set_config('app.tenant_id', ${ctx.tenantId}, true)`.execute(trx);
    return fn({ ...ctx, db: trx });
  });
}
