import { Hono, type Context } from "hono";
import { Invalid } from "../../domain/errors.ts";
import { CODE_MINUTES, createPublicRequest, PublicRequestSchema, publicWorkspace, verifyPublicRequest } from "../../domain/privacy/request-verification.ts";
import type { Limit } from "../../domain/auth/rate-limit.ts";
import { CodeDeadPage, CodePage, PublicRequestPage, ReceivedPage, publicBase } from "../../views/privacy/requests-public.tsx";
import { requestCtx } from "../context.ts";
import { formValues, parseWith } from "../forms.ts";
import { overLimit } from "../rate-limit.tsx";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

// Per client address, shared by every process (P05's limiter): requests send email, codes are guessable by volume.
export const PRIVACY_REQUEST_LIMIT: Limit = { name: "privacy-request", max: 10, windowSeconds: 3600 };
export const PRIVACY_CODE_LIMIT: Limit = { name: "privacy-code", max: 30, windowSeconds: 3600 };

const ctxOf = (c: C) => requestCtx(c, { tenant: false });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const publicRequestRoutes = new Hono<AppEnv>()
  .get("/privacy-requests/:slug", async (c) => {
    const slug = c.req.param("slug");
    if (c.req.query("received")) return page(c, <ReceivedPage workspace={(await publicWorkspace(ctxOf(c), slug)).name} />);
    const ws = await publicWorkspace(ctxOf(c), slug);
    return page(c, <PublicRequestPage slug={slug} workspace={ws.name} />);
  })
  .post("/privacy-requests/:slug", async (c) => {
    const limited = await overLimit(c, PRIVACY_REQUEST_LIMIT);
    if (limited) return limited;
    const slug = c.req.param("slug");
    const ws = await publicWorkspace(ctxOf(c), slug);
    const values = await formValues(c);
    try {
      const input = parseWith(PublicRequestSchema, values);
      const id = await createPublicRequest(ctxOf(c), ws, input);
      return c.redirect(`${publicBase(slug)}/${id}/verification`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const echo = { type: (values.type ?? "").slice(0, 20), email: (values.email ?? "").slice(0, 320), details: (values.details ?? "").slice(0, 2000) };
      return page(c, <PublicRequestPage slug={slug} workspace={ws.name} values={echo} errors={err.fieldErrors} />, 422);
    }
  })
  .get("/privacy-requests/:slug/:id/verification", async (c) => {
    const slug = c.req.param("slug");
    await publicWorkspace(ctxOf(c), slug);
    if (!UUID.test(c.req.param("id"))) return page(c, <CodeDeadPage slug={slug} />, 410);
    return page(c, <CodePage slug={slug} requestId={c.req.param("id")} minutes={CODE_MINUTES} />);
  })
  .post("/privacy-requests/:slug/:id/verification", async (c) => {
    const limited = await overLimit(c, PRIVACY_CODE_LIMIT);
    if (limited) return limited;
    const slug = c.req.param("slug");
    const id = c.req.param("id");
    const ws = await publicWorkspace(ctxOf(c), slug);
    if (!UUID.test(id)) return page(c, <CodeDeadPage slug={slug} />, 410);
    const code = ((await formValues(c)).code ?? "").slice(0, 20);
    const outcome = await verifyPublicRequest(ctxOf(c), ws, id, code);
    if (outcome.ok) return c.redirect(`${publicBase(slug)}?received=1`, 303);
    if (outcome.reason === "dead") return page(c, <CodeDeadPage slug={slug} />, 410);
    const message = `That code is not right. ${outcome.attemptsLeft} ${outcome.attemptsLeft === 1 ? "try" : "tries"} left.`;
    return page(c, <CodePage slug={slug} requestId={id} minutes={CODE_MINUTES} error={message} />, 422);
  });
