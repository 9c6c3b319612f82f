import type { Context } from "hono";
import type { Ctx } from "../domain/context.ts";
import { clientIp } from "./middleware/session.ts";
import type { AppEnv } from "./types.ts";

/** The domain context of this request: who acts, in which workspace (if any), when and from where. */
export function requestCtx(c: Context<AppEnv>, opts: { tenant?: boolean } = { tenant: true }): Ctx {
  const { deps, user } = c.var;
  const membership = opts.tenant === false ? undefined : c.get("membership");
  return {
    db: opts.tenant !== false && c.var.tx ? c.var.tx : deps.db.app,
    tenantId: membership?.tenantId ?? null,
    actor: user ? { type: "user", id: user.id, label: user.name, role: membership?.role ?? null } : null,
    now: deps.now(),
    ip: clientIp(c),
    userAgent: c.req.header("user-agent")?.slice(0, 400) ?? null,
  };
}
