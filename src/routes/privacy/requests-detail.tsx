import { Hono, type Context } from "hono";
import { Invalid } from "../../domain/errors.ts";
import { exportPersonLater } from "../../domain/privacy/exports.ts";
import { requestCertificate, requestDetail, revealRequest } from "../../domain/privacy/requests.ts";
import { actOnRequest, loadRequest } from "../../domain/privacy/request-transitions.ts";
import type { RequestAction } from "../../domain/privacy/state-machine.ts";
import { inTransaction } from "../../domain/context.ts";
import { RequestPage, queueUrl } from "../../views/privacy/requests.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { shellOf } from "./requests-queue.tsx";

type C = Context<AppEnv>;
const BASE = "/t/:slug/privacy/requests/:id";

async function detailPage(c: C, opts: { revealed?: boolean; errors?: Record<string, string>; status?: 200 | 422 } = {}) {
  const ctx = requestCtx(c);
  const detail = opts.revealed ? await revealRequest(ctx, c.req.param("id")!) : await requestDetail(ctx, c.req.param("id")!);
  return page(c, <RequestPage shell={shellOf(c)} detail={detail} revealed={!!opts.revealed} errors={opts.errors} now={ctx.now} />, opts.status ?? 200);
}

const done = (c: C, what: string) => c.redirect(`${queueUrl(c.var.membership.slug)}/${c.req.param("id")}?done=${what}`, 303);

/** The transitions are sub-resources: POST …/approval, …/denial and so on, each one audited state change. */
function transitionRoute(path: string, doneKey: string, action: (c: C) => Promise<RequestAction> | RequestAction) {
  return [
    `${BASE}/${path}`,
    async (c: C) => {
      const ctx = requestCtx(c);
      const a = await action(c);
      // P23: an access request about a CRM person is answered with their export (to the person completing it).
      if (a.type === "complete") {
        const req = await inTransaction(ctx, (tx) => loadRequest(tx, c.req.param("id")!));
        const person = req.subject_contact_id ? { kind: "contact" as const, id: req.subject_contact_id } : req.subject_lead_id ? { kind: "lead" as const, id: req.subject_lead_id } : null;
        if (req.type === "access" && person && req.state === "processing") {
          await inTransaction(ctx, async (tx) => {
            await exportPersonLater(tx, person, { baseUrl: c.var.deps.config.publicUrl });
            await actOnRequest(tx, req.id, a);
          });
          return done(c, doneKey);
        }
      }
      try {
        await actOnRequest(ctx, c.req.param("id")!, a);
      } catch (err) {
        if (err instanceof Invalid) return detailPage(c, { errors: err.fieldErrors, status: 422 });
        throw err;
      }
      return done(c, doneKey);
    },
  ] as const;
}

export const requestDetailRoutes = new Hono<AppEnv>()
  .get(BASE, (c) => detailPage(c))
  .post(`${BASE}/reveal`, (c) => detailPage(c, { revealed: true }))
  .post(...transitionRoute("approval", "approved", () => ({ type: "approve" })))
  .post(...transitionRoute("denial", "denied", async (c) => ({ type: "deny", reason: ((await formValues(c)).reason ?? "").slice(0, 2000) })))
  .post(...transitionRoute("scheduling", "scheduled", (c) => ({ type: "schedule", at: c.var.deps.now() })))
  .post(...transitionRoute("processing", "started", () => ({ type: "start" })))
  .post(...transitionRoute("completion", "completed", () => ({ type: "complete" })))
  .post(...transitionRoute("retry", "retried", () => ({ type: "retry" })))
  .post(...transitionRoute("cancellation", "cancelled", () => ({ type: "cancel" })))
  .get(`${BASE}/certificate.json`, async (c) => {
    const cert = await requestCertificate(requestCtx(c), c.req.param("id")!);
    c.header("Content-Disposition", `attachment; filename="privacy-request-${cert.request_id}.json"`);
    return c.json(cert);
  });
