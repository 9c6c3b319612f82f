import { createHmac } from "node:crypto";

// Steward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. Signing the timestamp with
// the body lets a receiver refuse replays older than a few minutes (the README's verification recipe does).

export const SIGNATURE_HEADER = "Steward-Signature";

export function signature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** A fresh signing secret: 32 random bytes, base64url, with a prefix that makes a leaked one recognisable. */
export function newSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}
