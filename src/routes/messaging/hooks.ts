import { Hono, type Context } from "hono";
import { MAX_HOOK_BYTES, receiveHook, type HookProvider } from "../../domain/messaging/inbox.ts";
import type { AppEnv } from "../types.ts";

// Provider webhooks, public (no session, no Origin check: middleware/security.ts exempts /hooks/). The workspace
// is the URL's token, never the body; the raw body is read once, for the signature and for the inbox row.
// Answers are short: 200 once stored (the job does the rest), 403 for a bad signature, 404 for an unknown token.

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

async function hook(c: Context<AppEnv>, provider: HookProvider) {
  const { config, db, now, log } = c.var.deps;
  const raw = new Uint8Array(await c.req.arrayBuffer());
  if (raw.length > MAX_HOOK_BYTES) return c.json({ error: "body too large" }, 413);
  const url = new URL(c.req.url);
  // Twilio signs the URL it called: ours as the public sees it, with the query string.
  const signedUrl = `${config.publicUrl}${url.pathname}${url.search}`;
  const header = provider === "twilio" ? c.req.header("x-twilio-signature") : c.req.header("x-hub-signature-256");
  const verdict = await receiveHook(db.app, provider, c.req.param("token") ?? "", { url: signedUrl, raw, contentType: c.req.header("content-type") ?? null, signature: header }, now());
  if (verdict.status !== 200) {
    // Never the body or the token: ids and outcomes only.
    log.info({ msg: "messaging webhook refused", requestId: c.var.requestId, provider, status: verdict.status, reason: verdict.error });
    return c.json({ error: verdict.error }, verdict.status);
  }
  if (provider === "twilio") return c.body(EMPTY_TWIML, 200, { "content-type": "text/xml" });
  return c.json({ received: true });
}

export const hookRoutes = new Hono<AppEnv>()
  .post("/hooks/twilio/:token", (c) => hook(c, "twilio"))
  .post("/hooks/whatsapp/:token", (c) => hook(c, "whatsapp_cloud"))
  // Meta's subscription check: echo hub.challenge when the verify token is the URL's own token.
  .get("/hooks/whatsapp/:token", (c) => {
    const token = c.req.param("token");
    if (c.req.query("hub.mode") !== "subscribe" || c.req.query("hub.verify_token") !== token) return c.json({ error: "verification failed" }, 403);
    const challenge = c.req.query("hub.challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(challenge)) return c.json({ error: "bad challenge" }, 400);
    return c.text(challenge);
  });
