import { Hono } from "hono";
import { parseBillingEvent, receiveBillingEvent } from "../domain/billing/billing.ts";
import { SIGNATURE_HEADER, verifyWebhook } from "../domain/billing/billing-signature.ts";
import { notFound } from "./errors.tsx";
import type { AppEnv } from "./types.ts";

/** Processor events are small; anything bigger is not one. */
const MAX_BYTES = 64 * 1024;

// P17, P20: the payment processor's webhook. Server to server, so no session and no Origin check (exempted by
// path in middleware/security.ts); the signature over the raw bytes is what authenticates it. Answers are short
// JSON for the processor's delivery log: 400 tells it the delivery is bad (a retry will not help unless it was
// stale), 200 that it was received, including events Steward ignores.
export const billingRoutes = new Hono<AppEnv>().post("/billing/webhook", async (c) => {
  const { config, db, now, log } = c.var.deps;
  const secret = config.BILLING_WEBHOOK_SECRET;
  if (!secret) return notFound(c);
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > MAX_BYTES) return c.json({ error: "body too large" }, 413);
  const at = now();
  const verdict = verifyWebhook(secret, c.req.header(SIGNATURE_HEADER), body, at);
  if (!verdict.ok) return c.json({ error: `signature ${verdict.reason}` }, 400);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return c.json({ error: "body is not JSON" }, 400);
  }
  const event = parseBillingEvent(json);
  if (!event) return c.json({ error: "not a billing event" }, 400);
  const outcome = await receiveBillingEvent(db.app, at, event);
  // Ids and outcomes only: the body may hold details about the payer that Steward does not keep.
  log.info({ msg: "billing webhook", requestId: c.var.requestId, event: event.id, type: event.type, outcome });
  return c.json({ received: true, outcome });
});
