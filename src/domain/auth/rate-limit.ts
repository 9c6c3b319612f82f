import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { sql } from "kysely";
import type { DB } from "../db.ts";

export interface Limit {
  /** e.g. "signin" */
  name: string;
  max: number;
  windowSeconds: number;
}

// P05. Per-IP limits on the authentication endpoints, counted in Postgres so every process shares them.
export const LIMITS = {
  signin: { name: "signin", max: 20, windowSeconds: 300 },
  signup: { name: "signup", max: 10, windowSeconds: 3600 },
  reset: { name: "reset", max: 10, windowSeconds: 3600 },
  token: { name: "token", max: 30, windowSeconds: 300 },
  // Inline form checks (a field at a time): generous, but a slug-availability scan is still bounded.
  validation: { name: "validation", max: 300, windowSeconds: 300 },
} satisfies Record<string, Limit>;

export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The client address is hashed: the counters table holds no personal data. */
export function clientKey(ip: string | null): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(ip ?? "unknown"))).slice(0, 32);
}

/** Counts one hit in the current fixed window and says whether it is within the limit. */
export async function hit(db: DB, limit: Limit, key: string, now: Date): Promise<Verdict> {
  const windowMs = limit.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const bucket = `${limit.name}:${key}`;
  const row = await db
    .insertInto("rate_limit_counters")
    .values({ bucket, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(["bucket", "window_start"]).doUpdateSet({ hits: sql`rate_limit_counters.hits + 1` }))
    .returning("hits")
    .executeTakeFirstOrThrow();
  if (row.hits <= limit.max) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)) };
}

/** Drops windows that ended over an hour ago. */
export async function purgeRateLimits(db: DB, now: Date): Promise<number> {
  const res = await db.deleteFrom("rate_limit_counters").where("window_start", "<", new Date(now.getTime() - 2 * 3600_000)).executeTakeFirst();
  return Number(res.numDeletedRows);
}
