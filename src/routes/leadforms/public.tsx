import { Hono, type Context } from "hono";
import type { Ctx } from "../../domain/context.ts";
import type { Limit } from "../../domain/auth/rate-limit.ts";
import { Invalid } from "../../domain/errors.ts";
import { attributionFrom, findPublicForm, judge, signToken, submitForm, withPublicForm } from "../../domain/leadforms/public.ts";
import { PublicFormPage, ThanksPage, publicFormUrl } from "../../views/leadforms/public.tsx";
import { customFormValues } from "../crm/fields.tsx";
import { formValues } from "../forms.ts";
import { clientIp } from "../middleware/session.ts";
import { overLimit } from "../rate-limit.tsx";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

// Per client address, in Postgres like P05's limits, so every web process counts together.
export const LEAD_FORM_LIMIT: Limit = { name: "lead-form", max: 20, windowSeconds: 600 };

/** A visitor: no user, no workspace until the address names one, audited with no actor. */
const visitorCtx = (c: C): Ctx => ({
  db: c.var.deps.db.app,
  tenantId: null,
  actor: null,
  now: c.var.deps.now(),
  ip: clientIp(c),
  userAgent: c.req.header("user-agent")?.slice(0, 400) ?? null,
});

/**
 * The public lead form (P25), mounted before the session middleware: these pages never read or set a cookie.
 * GET renders the landing visit's UTM parameters and Referer into hidden fields, so attribution reaches the lead
 * without JavaScript; POST creates the lead, or shows a bot the same thank-you page and creates nothing.
 */
export const publicFormRoutes = new Hono<AppEnv>()
  .get("/f/:slug/:form", async (c) => {
    const ctx = visitorCtx(c);
    const f = await findPublicForm(ctx, c.req.param("slug"), c.req.param("form"));
    const query = Object.fromEntries(["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].map((k) => [k, c.req.query(k)]));
    const attribution = attributionFrom(query, c.req.header("referer"));
    const values = { ...attribution, _t: signToken(f, ctx.now) };
    return page(c, <PublicFormPage view={{ slug: c.req.param("slug"), workspace: f.workspace, form: f.form, custom: f.custom, values: values as Record<string, string> }} />);
  })
  .post("/f/:slug/:form", async (c) => {
    const limited = await overLimit(c, LEAD_FORM_LIMIT);
    if (limited) return limited;
    const ctx = visitorCtx(c);
    const slug = c.req.param("slug");
    const formSlug = c.req.param("form");
    const values = await formValues(c);
    const custom = await customFormValues(c);
    try {
      // A bot is answered like a person and leaves nothing behind (no lead, no audit row to fill the trail with).
      await withPublicForm(ctx, slug, formSlug, async (tx, f) => {
        if (judge(f, values, tx.now) === "ok") await submitForm(tx, f, values, custom, c.var.deps.config.publicUrl);
      });
      return c.redirect(`${publicFormUrl(slug, formSlug)}/thanks`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const f = await findPublicForm(ctx, slug, formSlug);
      const echo: Record<string, string | string[]> = { ...custom };
      for (const [k, v] of Object.entries(values)) echo[k] = v.slice(0, 2000);
      return page(c, <PublicFormPage view={{ slug, workspace: f.workspace, form: f.form, custom: f.custom, values: echo, errors: err.fieldErrors }} />, 422);
    }
  })
  .get("/f/:slug/:form/thanks", async (c) => {
    const slug = c.req.param("slug");
    const f = await findPublicForm(visitorCtx(c), slug, c.req.param("form"));
    return page(c, <ThanksPage slug={slug} workspace={f.workspace} form={f.form} />);
  });
