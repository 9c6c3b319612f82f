import { createHmac, timingSafeEqual } from "node:crypto";

// Provider webhook signatures, checked on the raw request before anything is stored (issue 8, item 3).

/**
 * Twilio (X-Twilio-Signature): base64 HMAC-SHA1 keyed with the account's auth token, over the full URL Twilio
 * called followed by every POST parameter sorted by name (repeated names by value), name and value concatenated.
 */
export function twilioSignature(authToken: string, url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const data = url + sorted.map(([k, v]) => k + v).join("");
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

export function verifyTwilio(authToken: string, url: string, params: [string, string][], header: string | undefined): boolean {
  if (!header) return false;
  return same(twilioSignature(authToken, url, params), header);
}

/** Meta (X-Hub-Signature-256): "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the app secret. */
export function metaSignature(appSecret: string, rawBody: Uint8Array): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

export function verifyMeta(appSecret: string, rawBody: Uint8Array, header: string | undefined): boolean {
  if (!header) return false;
  return same(metaSignature(appSecret, rawBody), header.trim());
}

/** Constant time over equal lengths; a different length is simply wrong. */
function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
