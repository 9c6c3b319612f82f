import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

// Access tokens for user apps (issue 9 item 3, P22): JWT signed with HS256 and nothing else. The algorithm is
// pinned: a header naming any other (`none`, RS256 used as HMAC with a public key) is refused before any check.

export const ACCESS_TOKEN_SECONDS = 15 * 60;

export interface AccessClaims {
  iss: string;
  aud: string;
  /** The user. */
  sub: string;
  /** The workspace the token acts in. */
  tid: string;
  /** The refresh-token family: revoking the family ends its access tokens too. */
  fam: string;
  iat: number;
  exp: number;
}

const enc = new TextEncoder();
const b64 = (s: string) => encodeBase64urlNoPadding(enc.encode(s));
const HEADER = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));

// Without API_JWT_SECRET each process draws its own (tokens then only work against the process that issued them).
const processSecret = crypto.getRandomValues(new Uint8Array(32));
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string | undefined): Promise<CryptoKey> {
  const id = secret ?? "";
  let k = keys.get(id);
  if (!k) {
    const raw = secret ? enc.encode(secret) : processSecret;
    k = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(id, k);
  }
  return k;
}

async function sign(secret: string | undefined, input: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(input)));
}

export async function signAccessToken(secret: string | undefined, claims: AccessClaims): Promise<string> {
  const body = `${HEADER}.${b64(JSON.stringify(claims))}`;
  return `${body}.${encodeBase64urlNoPadding(await sign(secret, body))}`;
}

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(part)));
    return v && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/** The claims of a valid token for this issuer and audience at `now`, or null (any defect: same answer). */
export async function verifyAccessToken(secret: string | undefined, token: string, expect: { iss: string; aud: string; now: Date }): Promise<AccessClaims | null> {
  const parts = token.split(".");
  if (parts.length !== 3 || token.length > 4096) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  if (!header || header.alg !== "HS256" || (header.typ !== undefined && header.typ !== "JWT") || "crit" in header) return null;
  let given: Uint8Array;
  try {
    given = decodeBase64urlIgnorePadding(s);
  } catch {
    return null;
  }
  const want = await sign(secret, `${h}.${p}`);
  if (given.length !== want.length || !constantTimeEqual(given, want)) return null;
  const c = decodeJson(p);
  if (!c) return null;
  const nowS = Math.floor(expect.now.getTime() / 1000);
  const ok =
    c.iss === expect.iss &&
    c.aud === expect.aud &&
    typeof c.sub === "string" &&
    typeof c.tid === "string" &&
    typeof c.fam === "string" &&
    typeof c.iat === "number" &&
    typeof c.exp === "number" &&
    c.exp > nowS &&
    c.exp - c.iat <= ACCESS_TOKEN_SECONDS &&
    c.iat <= nowS + 60;
  return ok ? (c as unknown as AccessClaims) : null;
}
