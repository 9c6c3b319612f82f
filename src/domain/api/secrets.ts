import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

// P22: credentials are random, shown once, and stored only as SHA-256 hex. They have 160+ bits of entropy, so a
// plain hash (no salt, no slow KDF) is enough, and lets the row be found by its hash.

export function randomSecret(bytes = 25): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return encodeBase32LowerCaseNoPadding(b);
}

export const sha256Hex = (s: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(s)));
