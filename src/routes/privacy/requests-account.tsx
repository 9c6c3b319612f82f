import { Hono, type Context } from "hono";
import { cancelAccountErasure, findCancellable, requestAccountErasure } from "../../domain/privacy/erasure-account.ts";
import { LIMITS } from "../../domain/auth/rate-limit.ts";
import { Invalid } from "../../domain/errors.ts";
import { AccountDeletionPage, CancelDeletionPage, CancelLinkDeadPage, DeletionCancelledPage, DeletionScheduledPage } from "../../views/privacy/erasure.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { clearSessionCookie } from "../middleware/session.ts";
import { overLimit } from "../rate-limit.tsx";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const graceDays = (c: C) => c.var.deps.config.ERASURE_GRACE_DAYS;

const ctxOf = (c: C) => requestCtx(c, { tenant: false });

// P15. Cancelling works signed out, from the emailed link: the account cannot sign in any more, so the link is
// the way back (and a stolen session cannot undo a deletion, nor cancel one: it ended with the others).
export const accountDeletionRoutes = new Hono<AppEnv>()
  .get("/profile/deletion", (c) => {
    if (c.req.query("scheduled") && !c.var.user) return page(c, <DeletionScheduledPage days={graceDays(c)} />);
    if (!c.var.user) return c.redirect(`/signin?next=${encodeURIComponent("/profile/deletion")}`, 303);
    return page(c, <AccountDeletionPage userName={c.var.user.name} />);
  })
  .post("/profile/deletion", async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect(`/signin?next=${encodeURIComponent("/profile/deletion")}`, 303);
    // It checks a password, so it is throttled like sign-in.
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    const password = ((await formValues(c)).password ?? "").slice(0, 1024);
    try {
      await requestAccountErasure(ctxOf(c), user, password, { baseUrl: c.var.deps.config.publicUrl }, graceDays(c));
      clearSessionCookie(c);
      return c.redirect("/profile/deletion?scheduled=1", 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return page(c, <AccountDeletionPage userName={user.name} errors={err.fieldErrors} blocked={!!err.fieldErrors._form} />, 422);
    }
  })
  .get("/account-deletion/:token", async (c) => {
    const row = await findCancellable(ctxOf(c), c.req.param("token"));
    return row ? page(c, <CancelDeletionPage token={c.req.param("token")} when={row.scheduled_for} />) : page(c, <CancelLinkDeadPage />, 410);
  })
  .post("/account-deletion/:token", async (c) => {
    const ok = await cancelAccountErasure(ctxOf(c), c.req.param("token"));
    return ok ? page(c, <DeletionCancelledPage />) : page(c, <CancelLinkDeadPage />, 410);
  });
