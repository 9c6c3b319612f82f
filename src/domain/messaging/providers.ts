// Provider adapters: a Twilio-compatible Messages API (SMS, WhatsApp, RCS) and the WhatsApp Cloud API. Requests go
// only to the base URL the workspace configured (P21). Every answer is one of three kinds, so the send job can
// keep its promise of one provider message per send:
// - accepted: the provider holds the message (its id is kept; a retry sees it and sends nothing);
// - rejected: the provider answered and did not take it: final for a 4xx, retried for a 429 (after Retry-After)
//   or a 5xx;
// - unknown: no answer (timeout, connection cut after sending): it may have been taken, so it is not retried.

export type SendResult =
  | { kind: "accepted"; providerMessageId: string; status: "queued" | "sent" }
  | { kind: "rejected"; retry: boolean; retryAfterMs: number | null; error: string }
  | { kind: "unknown"; error: string };

export interface TwilioConfig {
  baseUrl: string;
  accountSid: string;
  authToken: string;
}

export interface CloudConfig {
  baseUrl: string;
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
}

export interface SendOptions {
  timeoutMs: number;
  /** Where the provider should post status callbacks (Twilio). */
  statusCallback?: string | null;
}

/** Seconds (or an HTTP date) of a Retry-After header, as milliseconds; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const base = (url: string) => url.replace(/\/+$/, "");

/** Error text for the log: provider code and message, never the request (which holds the body). */
const clip = (s: string) => s.replace(/\s+/g, " ").slice(0, 300);

async function post(url: string, init: RequestInit, timeoutMs: number): Promise<{ res: Response; json: unknown } | { error: string; sent: boolean }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    // Refused or unresolvable: nothing reached the provider, so a retry is safe. Anything else may have.
    const notSent = e.code === "ConnectionRefused" || e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || /Unable to connect|ConnectionRefused/i.test(e.message ?? "");
    return { error: e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : clip(e.message ?? "request failed"), sent: !notSent };
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  return { res, json };
}

function failure(res: Response, detail: string): SendResult {
  const retry = res.status === 429 || res.status >= 500;
  return { kind: "rejected", retry, retryAfterMs: retryAfterMs(res.headers.get("retry-after")), error: clip(`HTTP ${res.status}: ${detail}`) };
}

/**
 * Twilio Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic auth with
 * the account SID and auth token. 201 answers the Message resource ({ sid, status, … }); errors answer
 * { code, message, more_info, status }.
 */
export async function twilioSend(cfg: TwilioConfig, msg: { from: string; to: string; body: string }, opts: SendOptions): Promise<SendResult> {
  const form = new URLSearchParams({ To: msg.to, From: msg.from, Body: msg.body });
  if (opts.statusCallback) form.set("StatusCallback", opts.statusCallback);
  const auth = Buffer.from(`${cfg.accountSid}:${cfg.authToken}`).toString("base64");
  const r = await post(
    `${base(cfg.baseUrl)}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid)}/Messages.json`,
    { method: "POST", headers: { authorization: `Basic ${auth}`, "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: form },
    opts.timeoutMs,
  );
  if ("error" in r) return r.sent ? { kind: "unknown", error: r.error } : { kind: "rejected", retry: true, retryAfterMs: null, error: r.error };
  const j = (r.json ?? {}) as { sid?: unknown; status?: unknown; code?: unknown; message?: unknown };
  if (r.res.ok && typeof j.sid === "string") return { kind: "accepted", providerMessageId: j.sid, status: j.status === "sent" ? "sent" : "queued" };
  if (r.res.ok) return { kind: "unknown", error: "the provider accepted the request but answered no message id" };
  return failure(r.res, `${j.code ?? ""} ${typeof j.message === "string" ? j.message : ""}`.trim());
}

/**
 * WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages with a bearer token and a JSON body
 * { messaging_product: "whatsapp", to, type: "text", text: { body } }. 200 answers { messages: [{ id }] }; errors
 * answer { error: { message, type, code, error_subcode, fbtrace_id } }.
 */
export async function cloudSend(cfg: CloudConfig, msg: { to: string; body: string }, opts: SendOptions): Promise<SendResult> {
  const r = await post(
    `${base(cfg.baseUrl)}/${encodeURIComponent(cfg.apiVersion)}/${encodeURIComponent(cfg.phoneNumberId)}/messages`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${cfg.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to: msg.to.replace(/^\+/, ""), type: "text", text: { preview_url: false, body: msg.body } }),
    },
    opts.timeoutMs,
  );
  if ("error" in r) return r.sent ? { kind: "unknown", error: r.error } : { kind: "rejected", retry: true, retryAfterMs: null, error: r.error };
  const j = (r.json ?? {}) as { messages?: { id?: unknown }[]; error?: { code?: unknown; message?: unknown } };
  const id = j.messages?.[0]?.id;
  if (r.res.ok && typeof id === "string") return { kind: "accepted", providerMessageId: id, status: "sent" };
  if (r.res.ok) return { kind: "unknown", error: "the provider accepted the request but answered no message id" };
  return failure(r.res, `${j.error?.code ?? ""} ${typeof j.error?.message === "string" ? j.error.message : ""}`.trim());
}
