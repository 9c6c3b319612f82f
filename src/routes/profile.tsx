import { Hono, type Context } from "hono";
import { z } from "zod";
import { EmailSchema, NameSchema, PasswordSchema } from "../domain/auth/accounts.ts";
import { changePassword, confirmEmailChange, requestEmailChange, signOutOtherSessions, updateName } from "../domain/auth/profile.ts";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { listSessions } from "../domain/auth/sessions.ts";
import { Invalid } from "../domain/errors.ts";
import { listMyExports } from "../domain/privacy/exports.ts";
import type { Flash } from "../views/layout.tsx";
import { EmailLinkDeadPage, ProfilePage, type ProfileFormState } from "../views/profile.tsx";
import { requestCtx } from "./context.ts";
import { formValues, parseWith, type FormValues } from "./forms.ts";
import { overLimit } from "./rate-limit.tsx";
import { page, flashFrom } from "./render.tsx";
import type { AppEnv } from "./types.ts";

// After a change the page is reloaded with ?saved=<what>: the one cookie rule (P04) leaves no room for flash cookies.
const SAVED: Record<string, string> = {
  name: "Your name was saved.",
  "email-sent": "We sent a confirmation link to your new address. Open it to finish the change; until then your email stays as it is.",
  email: "Your email address was changed.",
  password: "Your password was changed. Your other devices were signed out.",
  sessions: "You were signed out everywhere else.",
};

const NameForm = z.object({ name: NameSchema });
const EmailForm = z.object({ email: EmailSchema, password: z.string().min(1, { error: "Enter your current password." }).max(1024) });
const PasswordForm = z.object({ current_password: z.string().min(1, { error: "Enter your current password." }).max(1024), new_password: PasswordSchema });

type Form = ProfileFormState["form"];

const links = (c: Context<AppEnv>) => ({ baseUrl: c.var.deps.config.publicUrl });
const ctxOf = (c: Context<AppEnv>) => requestCtx(c, { tenant: false });

/** The signed-in user and session, or null (the caller sends the visitor to sign in). */
function me(c: Context<AppEnv>) {
  const { user, session } = c.var;
  return user && session ? { user, session } : null;
}

const toSignIn = (c: Context<AppEnv>, next = "/profile") => c.redirect(`/signin?next=${encodeURIComponent(next)}`, 303);

async function profilePage(c: Context<AppEnv>, opts: { flash?: Flash | null; failed?: ProfileFormState | null; status?: 200 | 422 } = {}) {
  const { user, session } = me(c)!;
  const sessions = await listSessions(c.var.deps.db.app, user.id);
  const dataExports = await listMyExports(ctxOf(c));
  return page(
    c,
    <ProfilePage user={{ name: user.name, email: user.email }} sessions={sessions} currentSessionId={session.id} flash={opts.flash} failed={opts.failed} dataExports={dataExports} />,
    opts.status ?? 200,
  );
}

/** Runs a form's action; invalid input re-renders the profile with that form's errors and what was typed. */
async function submit(c: Context<AppEnv>, form: Form, echo: string[], action: (values: FormValues) => Promise<string>) {
  if (!me(c)) return toSignIn(c);
  const values = await formValues(c);
  try {
    return c.redirect(`/profile?saved=${await action(values)}`, 303);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    const typed = Object.fromEntries(echo.map((k) => [k, (values[k] ?? "").slice(0, 400)]));
    return profilePage(c, { failed: { form, errors: err.fieldErrors, values: typed }, status: 422 });
  }
}

export const profileRoutes = new Hono<AppEnv>()
  .get("/profile", async (c) => {
    if (!me(c)) return toSignIn(c);
    return profilePage(c, { flash: flashFrom(c, SAVED, "saved") });
  })
  .post("/profile", (c) =>
    submit(c, "name", ["name"], async (values) => {
      const { name } = parseWith(NameForm, { name: values.name ?? "" });
      await updateName(ctxOf(c), c.var.user!.id, name);
      return "name";
    }),
  )
  .post("/profile/email", async (c) => {
    // It checks a password, so it is throttled like sign-in.
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    return submit(c, "email", ["email"], async (values) => {
      const input = parseWith(EmailForm, { email: values.email ?? "", password: values.password ?? "" });
      await requestEmailChange(ctxOf(c), c.var.user!, input, links(c));
      return "email-sent";
    });
  })
  .get("/profile/email/:token", async (c) => {
    const token = c.req.param("token");
    const signedIn = me(c);
    if (!signedIn) return toSignIn(c, `/profile/email/${encodeURIComponent(token)}`);
    const outcome = await confirmEmailChange(ctxOf(c), signedIn.user.id, token);
    if (!outcome.ok) return page(c, <EmailLinkDeadPage name={signedIn.user.name} />, 410);
    return c.redirect("/profile?saved=email", 303);
  })
  .post("/profile/password", async (c) => {
    const limited = await overLimit(c, LIMITS.signin);
    if (limited) return limited;
    return submit(c, "password", [], async (values) => {
      const input = parseWith(PasswordForm, { current_password: values.current_password ?? "", new_password: values.new_password ?? "" });
      const { user, session } = me(c)!;
      await changePassword(ctxOf(c), user, session.id, { current: input.current_password, password: input.new_password }, links(c));
      return "password";
    });
  })
  .post("/profile/sessions/others", async (c) => {
    const signedIn = me(c);
    if (!signedIn) return toSignIn(c);
    await signOutOtherSessions(ctxOf(c), signedIn.user, signedIn.session.id);
    return c.redirect("/profile?saved=sessions", 303);
  });
