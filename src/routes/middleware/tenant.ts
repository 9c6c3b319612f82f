import type { MiddlewareHandler } from "hono";
import { NotFound } from "../../domain/errors.ts";
import { isReadOnly, WorkspaceReadOnly } from "../../domain/tenancy/lifecycle.ts";
import { membershipBySlug, redirectedSlug } from "../../domain/tenancy/workspaces.ts";
import { lifecycleNotice } from "../../views/lifecycle-banner.tsx";
import type { AppEnv } from "../types.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

// P16, P17: the writes a cancelled or suspended workspace still accepts, after /t/<slug>. Reactivation; taking the
// data out (workspace and person exports); the privacy team's work, since people's rights do not pause while a
// workspace waits for deletion. Leaving is allowed separately, and is the only write while a purge runs.
const WHILE_READ_ONLY = [/^\/reactivation$/, /^\/exports$/, /^\/privacy\//];

function writableWhileReadOnly(rest: string, userId: string, purging: boolean): boolean {
  if (rest === `/members/${userId}/removal`) return true;
  return !purging && WHILE_READ_ONLY.some((r) => r.test(rest));
}

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
    // Usually read with the session (one query); the route's slug is decoded, so only an exact match is reused.
    const prefetched = c.var.sessionMembership;
    const membership = prefetched?.slug === slug ? prefetched.membership : await membershipBySlug(deps.db.app, user.id, slug);
    if (!membership) {
      const current = await redirectedSlug(deps.db.app, user.id, slug, deps.now());
      if (current && c.req.method === "GET") {
        const url = new URL(c.req.url);
        return c.redirect(url.pathname.replace(`/t/${slug}`, `/t/${current}`) + url.search, 301);
      }
      throw new NotFound();
    }
    c.set("membership", membership);
    // The status came with the membership (one query): a write into a read-only workspace stops here, whatever
    // route or job it would have reached.
    const lc = membership.lifecycle;
    if (lc && isReadOnly(lc) && !SAFE.has(c.req.method) && !writableWhileReadOnly(c.req.path.slice(`/t/${slug}`.length), user.id, lc.status === "purging")) {
      throw new WorkspaceReadOnly(lifecycleNotice(lc));
    }
    await next();
  };
}
