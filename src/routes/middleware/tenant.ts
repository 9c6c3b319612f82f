import type { MiddlewareHandler } from "hono";
import { NotFound } from "../../domain/errors.ts";
import { membershipBySlug, redirectedSlug } from "../../domain/tenancy/workspaces.ts";
import type { AppEnv } from "../types.ts";

/**
 * Everything under /t/:slug belongs to one workspace. A visitor who is not a member gets the same 404 as for a
 * workspace that does not exist (P09: existence is not revealed); a signed-out visitor is sent to sign in.
 */
export function tenantMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.var.user;
    const slug = c.req.param("slug") ?? "";
    if (!user) {
      const url = new URL(c.req.url);
      return c.redirect(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    const { deps } = c.var;
    const membership = await membershipBySlug(deps.db.app, user.id, slug);
    if (!membership) {
      const current = await redirectedSlug(deps.db.app, user.id, slug, deps.now());
      if (current && c.req.method === "GET") {
        const url = new URL(c.req.url);
        return c.redirect(url.pathname.replace(`/t/${slug}`, `/t/${current}`) + url.search, 301);
      }
      throw new NotFound();
    }
    c.set("membership", membership);
    await next();
  };
}
