import { Hono, type Context } from "hono";
import { signIn, signUp, SignupSchema } from "../domain/auth/accounts.ts";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { invalidateSession } from "../domain/auth/sessions.ts";
import { audit } from "../domain/audit/audit.ts";
import { Invalid } from "../domain/errors.ts";
import { SigninPage, SignupPage } from "../views/auth.tsx";
import { requestCtx } from "./context.ts";
import { formValues, parseWith } from "./forms.ts";
import { clearSessionCookie, setSessionCookie } from "./middleware/session.ts";
import { overLimit } from "./rate-limit.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

const GENERIC_FAILURE = "That email and password don't match an account we can sign you in to. Check them, or reset your password.";

/** Only same-site paths: a `next` parameter must never send someone to another site. */
function safeNext(next: string | undefined): string | null {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : null;
}

function sessionPolicy(c: Context<AppEnv>) {
  return { lifetimeDays: c.var.deps.config.SESSION_DAYS };
}

export const authRoutes = new Hono<AppEnv>()
  .get("/signup", (c) => (c.var.user ? c.redirect("/workspaces", 303) : page(c, <SignupPage />)))
  .post("/signup", async (c) => {
    const limited = await overLimit(c, LIMITS.signup);
    if (limited) return limited;
    const values = await formValues(c);
    try {
      const input = parseWith(SignupSchema, values);
      const { token, slug } = await signUp(requestCtx(c, { tenant: false }), input, sessionPolicy(c), { baseUrl: c.var.deps.config.publicUrl });
      setSessionCookie(c, token, new Date(c.var.deps.now().getTime() + c.var.deps.config.SESSION_DAYS * 86_400_000));
      return c.redirect(`/t/${slug}`, 303);
    } catch (err) {
      if (err instanceof Invalid) return page(c, <SignupPage values={values} errors={err.fieldErrors} />, 422);
      throw err;
    }
  })
  .get("/signin", (c) => {
    const next = safeNext(c.req.query("next")) ?? undefined;
    if (c.var.user) return c.redirect(next ?? "/workspaces", 303);
    return page(c, <SigninPage next={next} />);
  })
  .post("/signin", async (c) => {
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    const values = await formValues(c);
    const next = safeNext(values.next) ?? undefined;
    const email = (values.email ?? "").slice(0, 320);
    const password = (values.password ?? "").slice(0, 1024);
    if (!email.trim() || !password) {
      const errors = { ...(!email.trim() && { email: "Enter your email." }), ...(!password && { password: "Enter your password." }) };
      return page(c, <SigninPage values={{ email }} errors={errors} next={next} />, 422);
    }
    const result = await signIn(requestCtx(c, { tenant: false }), email, password, sessionPolicy(c), { baseUrl: c.var.deps.config.publicUrl });
    if (!result.ok) return page(c, <SigninPage values={{ email }} errors={{ _form: GENERIC_FAILURE }} next={next} />, 401);
    setSessionCookie(c, result.token, new Date(c.var.deps.now().getTime() + c.var.deps.config.SESSION_DAYS * 86_400_000));
    return c.redirect(next ?? "/workspaces", 303);
  })
  .post("/signout", async (c) => {
    const session = c.var.session;
    if (session) {
      await invalidateSession(c.var.deps.db.app, session.id);
      await audit(requestCtx(c, { tenant: false }), "session.ended", { type: "session", id: session.id });
    }
    clearSessionCookie(c);
    return c.redirect("/", 303);
  });
