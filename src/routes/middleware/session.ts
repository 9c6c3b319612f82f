import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { validateSessionToken } from "../../domain/auth/sessions.ts";
import type { AppEnv } from "../types.ts";

// P04: the one cookie Steward sets. `__Host-` pins it to this host, path / and HTTPS in production.
export function cookieName(c: Context<AppEnv>) {
  return c.var.deps.config.production ? "__Host-session" : "session";
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expires: Date) {
  setCookie(c, cookieName(c), token, { httpOnly: true, sameSite: "Lax", path: "/", secure: c.var.deps.config.production, expires });
}

/** Expires the cookie, with the same attributes it was set with (browsers match on them). */
export function clearSessionCookie(c: Context<AppEnv>) {
  setCookie(c, cookieName(c), "", { httpOnly: true, sameSite: "Lax", path: "/", secure: c.var.deps.config.production, maxAge: 0 });
}

/** The client's address: the socket's, or a trusted proxy's X-Forwarded-For. */
export function clientIp(c: Context<AppEnv>): string | null {
  if (c.var.deps.config.TRUST_PROXY) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  const server = c.env as { requestIP?: (r: Request) => { address: string } | null } | undefined;
  return server?.requestIP?.(c.req.raw)?.address ?? null;
}

// A page in a workspace: its membership comes with the session, in the same query (see tenantMiddleware).
const WORKSPACE_PATH = /^\/t\/([^/]+)/;

/** Reads the session cookie, sets c.var.user, renews the cookie when the session slid forward. */
export function sessionMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("user", null);
    c.set("session", null);
    const token = getCookie(c, cookieName(c));
    if (token) {
      const { deps } = c.var;
      const workspaceSlug = WORKSPACE_PATH.exec(c.req.path)?.[1];
      const found = await validateSessionToken(deps.db.app, token, deps.now(), { lifetimeDays: deps.config.SESSION_DAYS }, { ip: clientIp(c), workspaceSlug });
      if (found) {
        c.set("user", found.user);
        c.set("session", found.session);
        if (workspaceSlug !== undefined) c.set("sessionMembership", { slug: workspaceSlug, membership: found.membership ?? null });
        if (found.session.renewed) setSessionCookie(c, token, found.session.expiresAt);
      } else {
        clearSessionCookie(c);
      }
    }
    await next();
  };
}
