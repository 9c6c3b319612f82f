import { Hono, type Context } from "hono";
import { EmailSchema } from "../domain/auth/accounts.ts";
import { findResetToken, requestPasswordReset, resetPassword } from "../domain/auth/password-reset.ts";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { Invalid } from "../domain/errors.ts";
import { NewPasswordPage, ResetDonePage, ResetLinkDeadPage, ResetRequestPage, ResetSentPage } from "../views/password-reset.tsx";
import { requestCtx } from "./context.ts";
import { formValues } from "./forms.ts";
import { clearSessionCookie } from "./middleware/session.ts";
import { overLimit } from "./rate-limit.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

// Used, expired and unknown links all get the same answer: 410, "this link no longer works".
const deadLink = (c: Context<AppEnv>) => page(c, <ResetLinkDeadPage />, 410);

export const passwordResetRoutes = new Hono<AppEnv>()
  .get("/password-reset", (c) => {
    if (c.req.query("sent")) return page(c, <ResetSentPage />);
    if (c.req.query("done")) return page(c, <ResetDonePage />);
    return page(c, <ResetRequestPage />);
  })
  .post("/password-reset", async (c) => {
    const limited = await overLimit(c, LIMITS.reset);
    if (limited) return limited;
    const values = await formValues(c);
    const parsed = EmailSchema.safeParse(values.email ?? "");
    if (!parsed.success) {
      const email = (values.email ?? "").slice(0, 320);
      const message = email.trim() ? parsed.error.issues[0]!.message : "Enter your email.";
      return page(c, <ResetRequestPage email={email} errors={{ email: message }} />, 422);
    }
    await requestPasswordReset(requestCtx(c, { tenant: false }), parsed.data, { baseUrl: c.var.deps.config.publicUrl });
    // Known address or not, the same redirect to the same page (no account enumeration).
    return c.redirect("/password-reset?sent=1", 303);
  })
  .get("/password-reset/:token", async (c) => {
    const token = c.req.param("token");
    const found = await findResetToken(requestCtx(c, { tenant: false }), token);
    return found ? page(c, <NewPasswordPage token={token} />) : deadLink(c);
  })
  .post("/password-reset/:token", async (c) => {
    const token = c.req.param("token");
    const values = await formValues(c);
    const password = (values.password ?? "").slice(0, 1024);
    try {
      const outcome = await resetPassword(requestCtx(c, { tenant: false }), token, password, { baseUrl: c.var.deps.config.publicUrl });
      if (!outcome.ok) return deadLink(c);
      // This browser's session ended with the others: drop its cookie now rather than on the next request.
      if (c.var.session?.userId === outcome.userId) clearSessionCookie(c);
      return c.redirect("/password-reset?done=1", 303);
    } catch (err) {
      if (err instanceof Invalid) return page(c, <NewPasswordPage token={token} errors={err.fieldErrors} />, 422);
      throw err;
    }
  });
