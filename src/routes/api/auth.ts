import type { MiddlewareHandler } from "hono";
import { authenticateApiKey, roleOfScopes } from "../../domain/api/keys.ts";
import { authenticateAccessToken } from "../../domain/api/tokens.ts";
import { apiCtxBase, tokenSettings, type ApiEnv, type Principal } from "./context.ts";
import { problem } from "./problem.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const CHALLENGE = { "www-authenticate": 'Bearer realm="steward-api"' };

/**
 * Bearer credentials only: an API key (`stw_…`) or an access token (JWT). No cookie is read, so there is nothing
 * for a cross-site form to ride on and no CSRF token is needed.
 */
export function bearerAuth(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const m = /^Bearer ([!-~]{1,4096})$/i.exec(c.req.header("authorization") ?? "");
    if (!m) return problem(c, 401, "Send an API key or an access token as Authorization: Bearer <credential>.", {}, CHALLENGE);
    const credential = m[1]!;
    const ctx = apiCtxBase(c);
    let principal: Principal | null = null;
    if (credential.startsWith("stw_")) {
      const k = await authenticateApiKey(ctx, credential, !SAFE.has(c.req.method));
      if (k) {
        const role = roleOfScopes(k.scopes);
        principal = { kind: "key", credentialId: k.keyId, tenantId: k.tenantId, role, workspaceStatus: k.workspaceStatus, hits: k.hits, actor: { type: "api", id: k.keyId, label: `API key ${k.name}`, role } };
      }
    } else {
      const t = await authenticateAccessToken(ctx, tokenSettings(c), credential);
      if (t) principal = { kind: "token", credentialId: t.familyId, tenantId: t.tenantId, role: t.role, workspaceStatus: t.workspaceStatus, actor: { type: "user", id: t.userId, label: t.userName, role: t.role } };
    }
    if (!principal) return problem(c, 401, "That credential is not valid: unknown, revoked or expired.", {}, { "www-authenticate": 'Bearer realm="steward-api", error="invalid_token"' });
    if (!SAFE.has(c.req.method) && principal.workspaceStatus !== "active") return problem(c, 403, "This workspace is read-only (cancelled or suspended): it can be read and exported, not changed.");
    c.set("principal", principal);
    await next();
    // Workspace data: no shared cache may keep it.
    c.header("cache-control", "no-store");
  };
}
