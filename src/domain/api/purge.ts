import type { DB } from "../db.ts";
import { IDEMPOTENCY_HOURS } from "./idempotency.ts";

const DAY = 86_400_000;

/**
 * Run by purge-auth as the owner, across workspaces: idempotency records past their day, refresh tokens past their
 * expiry, and whole families revoked over a day ago (a revoked token is refused whether its row exists or not).
 * Used tokens of live families stay until they expire: they are what detects a replay.
 */
export async function purgeApiState(owner: DB, now: Date): Promise<{ apiIdempotency: number; apiRefreshTokens: number }> {
  const idem = await owner.deleteFrom("api_idempotency").where("created_at", "<", new Date(now.getTime() - IDEMPOTENCY_HOURS * 3600_000)).executeTakeFirst();
  const tokens = await owner
    .deleteFrom("api_refresh_tokens")
    .where((eb) => eb.or([eb("expires_at", "<", now), eb("revoked_at", "<", new Date(now.getTime() - DAY))]))
    .executeTakeFirst();
  return { apiIdempotency: Number(idem.numDeletedRows), apiRefreshTokens: Number(tokens.numDeletedRows) };
}
