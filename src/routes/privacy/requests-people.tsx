import { Hono } from "hono";
import { erasePersonLater, previewPerson } from "../../domain/privacy/erasure-person.ts";
import { PersonPreviewPage } from "../../views/privacy/erasure.tsx";
import { queueUrl } from "../../views/privacy/requests.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";
import { shellOf } from "./requests-queue.tsx";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// P23: the preview of everything that mentions a contact or lead, and its erasure (privacy.manage).
export const peopleRoutes = new Hono<AppEnv>()
  .get("/t/:slug/privacy/people/:kind/:id", async (c) => {
    const preview = await previewPerson(requestCtx(c), c.req.param("kind"), c.req.param("id"));
    const requestId = c.req.query("request");
    return page(c, <PersonPreviewPage shell={shellOf(c)} preview={preview} requestId={requestId && UUID.test(requestId) ? requestId : undefined} />);
  })
  .post("/t/:slug/privacy/people/:kind/:id/erasure", async (c) => {
    const values = await formValues(c);
    const requestId = values.request_id && UUID.test(values.request_id) ? values.request_id : undefined;
    const id = await erasePersonLater(requestCtx(c), c.req.param("kind"), c.req.param("id"), requestId);
    return c.redirect(`${queueUrl(c.var.membership.slug)}/${id}?done=scheduled`, 303);
  });
