import { Hono, type Context } from "hono";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { Invalid } from "../domain/errors.ts";
import { cancelWorkspace, reactivateWorkspace } from "../domain/tenancy/lifecycle.ts";
import { authorize } from "../domain/tenancy/permissions.ts";
import { CancelPage, ReactivatePage } from "../views/lifecycle.tsx";
import { requestCtx } from "./context.ts";
import { formValues } from "./forms.ts";
import { overLimit } from "./rate-limit.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

type C = Context<AppEnv>;

/** Settings' message after a cancellation or reactivation (read with flashFrom). */
export const LIFECYCLE_DONE: Record<string, string> = {
  cancelled: "The workspace is cancelled. It is read-only now and will be deleted in 30 days unless an owner reactivates it.",
  reactivated: "The workspace is active again.",
  suspended: "The cancellation is called off, but the subscription has lapsed: the workspace stays suspended until a payment goes through.",
};

const shell = (c: C) => ({ userName: c.var.user!.name, membership: c.var.membership });

/** The password, read only after the role and the rate limit were checked. */
async function passwordOf(c: C): Promise<string> {
  return ((await formValues(c)).password ?? "").slice(0, 1024);
}

// P16. Owners only (workspace.lifecycle); a password confirms, throttled like sign-in since it checks one.
// Reactivation is the one write a cancelled workspace accepts (see middleware/tenant.ts).
export const lifecycleRoutes = new Hono<AppEnv>()
  .get("/t/:slug/cancellation", (c) => {
    authorize(requestCtx(c), "workspace.lifecycle");
    return page(c, <CancelPage {...shell(c)} />);
  })
  .post("/t/:slug/cancellation", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "workspace.lifecycle");
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    try {
      await cancelWorkspace(ctx, c.var.user!, await passwordOf(c), { baseUrl: c.var.deps.config.publicUrl });
      return c.redirect(`/t/${c.var.membership.slug}/settings?done=cancelled`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <CancelPage {...shell(c)} errors={err.fieldErrors} />, 422);
    }
  })
  .get("/t/:slug/reactivation", (c) => {
    authorize(requestCtx(c), "workspace.lifecycle");
    return page(c, <ReactivatePage {...shell(c)} />);
  })
  .post("/t/:slug/reactivation", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "workspace.lifecycle");
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    try {
      const { status } = await reactivateWorkspace(ctx, c.var.user!, await passwordOf(c));
      return c.redirect(`/t/${c.var.membership.slug}/settings?done=${status === "suspended" ? "suspended" : "reactivated"}`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <ReactivatePage {...shell(c)} errors={err.fieldErrors} />, 422);
    }
  });
