import { sql } from "kysely";
import type { DB } from "../db.ts";

// Per-credential rate limits for the API (issue 9 item 4), counted in Postgres's rate_limit_counters (the table
// the sign-in limits use) so every web process shares them. A fixed one-minute window per key or token family.

export const API_WINDOW_SECONDS = 60;

export interface ApiQuota {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  allowed: boolean;
}

/** The start of the fixed window `now` falls in. */
export function apiWindowStart(now: Date): Date {
  const windowMs = API_WINDOW_SECONDS * 1000;
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

/** The quota after `hits` requests in the window that holds `now`. */
export function apiQuota(hits: number, limit: number, now: Date): ApiQuota {
  const resetSeconds = Math.max(1, Math.ceil((apiWindowStart(now).getTime() + API_WINDOW_SECONDS * 1000 - now.getTime()) / 1000));
  return { limit, remaining: Math.max(0, limit - hits), resetSeconds, allowed: hits <= limit };
}

/** Counts one request of a credential (API keys are counted by the call that finds them, api_key_hit). */
export async function hitApiLimit(db: DB, credentialId: string, limit: number, now: Date): Promise<ApiQuota> {
  const row = await db
    .insertInto("rate_limit_counters")
    .values({ bucket: `api:${credentialId}`, window_start: apiWindowStart(now), hits: 1 })
    .onConflict((oc) => oc.columns(["bucket", "window_start"]).doUpdateSet({ hits: sql`rate_limit_counters.hits + 1` }))
    .returning("hits")
    .executeTakeFirstOrThrow();
  return apiQuota(row.hits, limit, now);
}
