import type { MiddlewareHandler } from "hono";
import { apiQuota, hitApiLimit } from "../../domain/api/limits.ts";
import { claimIdempotencyKey, settleIdempotencyKey } from "../../domain/api/idempotency.ts";
import { sha256Hex } from "../../domain/api/secrets.ts";
import { apiCtx, type ApiEnv } from "./context.ts";
import { problem } from "./problem.ts";

/**
 * Per-credential rate limit with the IETF draft's headers on every answer: RateLimit-Policy ("default";q=…;w=60)
 * and RateLimit ("default";r=…;t=…); over it, 429 with Retry-After.
 */
export function apiRateLimit(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const { deps } = c.var;
    const { hits, credentialId } = c.var.principal;
    // An API key's hit was counted by the call that found the key (one round trip); a token's is counted here.
    const q = typeof hits === "number" ? apiQuota(hits, deps.config.API_RATE_PER_MINUTE, deps.now()) : await hitApiLimit(deps.db.app, credentialId, deps.config.API_RATE_PER_MINUTE, deps.now());
    const headers = { "ratelimit-policy": `"default";q=${q.limit};w=60`, ratelimit: `"default";r=${q.remaining};t=${q.resetSeconds}` };
    if (!q.allowed) return problem(c, 429, `This credential made more than ${q.limit} requests this minute. Wait ${q.resetSeconds} s.`, {}, { ...headers, "retry-after": String(q.resetSeconds) });
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Idempotency-Key on POST: the first response is stored and replayed for a repeat of the same request. */
export function idempotency(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!KEY.test(key)) return problem(c, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    const credentialId = c.var.principal.credentialId;
    const hash = sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const claim = await claimIdempotencyKey(apiCtx(c), credentialId, key, hash);
    if (claim.kind === "mismatch") return problem(c, 422, "This Idempotency-Key was already used for a different request.");
    if (claim.kind === "in-flight") return problem(c, 409, "A request with this Idempotency-Key is still being processed. Retry shortly.");
    if (claim.kind === "replay") {
      const body = claim.body as { id?: string } | null;
      const headers: Record<string, string> = { "idempotent-replayed": "true" };
      if (claim.status === 201 && body?.id) headers.location = `${c.req.path}/${body.id}`;
      if (body === null) return c.body(null, claim.status as 204, headers);
      const type = claim.status >= 400 ? "application/problem+json" : "application/json";
      return new Response(JSON.stringify(body), { status: claim.status, headers: { ...headers, "content-type": type } });
    }
    await next();
    const text = c.res.status === 204 ? "" : await c.res.clone().text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    await settleIdempotencyKey(apiCtx(c), credentialId, key, c.res.status, body);
  };
}
