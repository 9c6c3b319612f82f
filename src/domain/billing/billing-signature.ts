import { createHmac, timingSafeEqual } from "node:crypto";

// P20: the payment processor signs every webhook delivery. The scheme (README, "Billing"):
//
//   Steward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under BILLING_WEBHOOK_SECRET>
//
// Several v1 entries may be sent while a secret is being rotated; one match is enough. The timestamp must be
// within 5 minutes of Steward's clock, so a captured delivery cannot be replayed later; within those minutes the
// event id makes a replay change nothing (billing_events).

export const SIGNATURE_HEADER = "steward-signature";
export const TOLERANCE_SECONDS = 300;

export type Verdict = { ok: true; timestamp: number } | { ok: false; reason: "missing" | "malformed" | "mismatch" | "stale" };

/** The hex signature of a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: Uint8Array | string): string {
  const mac = createHmac("sha256", secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest("hex");
}

/** Checks the header against the raw body and the clock. Only the bytes that arrived are signed, never a re-encoding. */
export function verifyWebhook(secret: string, header: string | undefined, body: Uint8Array, now: Date): Verdict {
  if (!header) return { ok: false, reason: "missing" };
  if (header.length > 2000) return { ok: false, reason: "malformed" };
  let timestamp: number | null = null;
  const candidates: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) candidates.push(Buffer.from(value, "hex"));
  }
  if (timestamp === null || candidates.length === 0) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(signWebhook(secret, timestamp, body), "hex");
  // Every candidate is compared in constant time; the loop does not stop early on a match.
  let matched = false;
  for (const c of candidates) matched = timingSafeEqual(c, expected) || matched;
  if (!matched) return { ok: false, reason: "mismatch" };
  if (Math.abs(now.getTime() / 1000 - timestamp) > TOLERANCE_SECONDS) return { ok: false, reason: "stale" };
  return { ok: true, timestamp };
}
