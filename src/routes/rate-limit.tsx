import type { Context } from "hono";
import { clientKey, hit, type Limit } from "../domain/auth/rate-limit.ts";
import { renderError } from "./errors.tsx";
import { clientIp } from "./middleware/session.ts";
import type { AppEnv } from "./types.ts";

/** P05: null when within the limit, else the 429 response with Retry-After. */
export async function overLimit(c: Context<AppEnv>, limit: Limit) {
  const { deps } = c.var;
  const verdict = await hit(deps.db.app, limit, clientKey(clientIp(c)), deps.now());
  if (verdict.allowed) return null;
  const res = renderError(c, 429, `Too many attempts from your network. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minute(s).`);
  const out = await res;
  out.headers.set("Retry-After", String(verdict.retryAfterSeconds));
  return out;
}
