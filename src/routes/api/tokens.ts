import { Hono } from "hono";
import { clientKey, hit, LIMITS } from "../../domain/auth/rate-limit.ts";
import { passwordGrant, refreshGrant, TokenRequestSchema } from "../../domain/api/tokens.ts";
import { parseForm } from "../../domain/crm/companies.ts";
import { Invalid } from "../../domain/errors.ts";
import { clientIp } from "../middleware/session.ts";
import type { AppEnv } from "../types.ts";
import { apiCtxBase, readJson, tokenSettings } from "./context.ts";
import { problem } from "./problem.ts";

// POST /api/v1/auth/token (issue 9 item 3). Tokens go in the JSON body only, never in a cookie (P04, P22).

const DENIED = "The email, password or workspace is not right, or the refresh token is no longer valid.";

export const tokenRoutes = new Hono<AppEnv>().post("/auth/token", async (c) => {
  const { deps } = c.var;
  // P05: the same per-IP limit as sign-in's siblings, counted in Postgres.
  const verdict = await hit(deps.db.app, LIMITS.token, clientKey(clientIp(c)), deps.now());
  if (!verdict.allowed) return problem(c, 429, "Too many token requests from this address. Try again later.", {}, { "retry-after": String(verdict.retryAfterSeconds) });
  const body = await readJson(c);
  const notText = Object.entries(body).filter(([, v]) => typeof v !== "string");
  if (notText.length) throw new Invalid(Object.fromEntries(notText.map(([k]) => [k, "Give this as a string."])));
  const input = parseForm(TokenRequestSchema, body as Record<string, string>);
  const ctx = apiCtxBase(c);
  let out;
  if (input.grant_type === "password") {
    if (!input.email || !input.password || !input.workspace) throw new Invalid({ ...(!input.email && { email: "Enter your email." }), ...(!input.password && { password: "Enter your password." }), ...(!input.workspace && { workspace: "Give the workspace's slug." }) });
    out = await passwordGrant(ctx, tokenSettings(c), { email: input.email, password: input.password, workspace: input.workspace }, { baseUrl: deps.config.publicUrl });
  } else {
    if (!input.refresh_token) throw new Invalid({ refresh_token: "Give the refresh token." });
    out = await refreshGrant(ctx, tokenSettings(c), input.refresh_token);
  }
  if (!out) return problem(c, 401, DENIED, {}, { "www-authenticate": 'Bearer realm="steward-api", error="invalid_grant"' });
  c.header("cache-control", "no-store");
  return c.json(out);
});
