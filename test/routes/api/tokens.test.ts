import { describe, expect, test } from "bun:test";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { signAccessToken } from "../../../src/domain/api/jwt.ts";
import { sha256Hex } from "../../../src/domain/api/secrets.ts";
import { systemCtx } from "../../../src/domain/context.ts";
import { requestAccountErasure } from "../../../src/domain/privacy/erasure-account.ts";
import { ORIGIN, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, PASSWORD } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";

const t = useTestDatabase();
const SECRET = "test-secret-0123456789-0123456789-abcdef";
const ENV = { API_JWT_SECRET: SECRET };
const b64 = (o: unknown) => encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(o)));
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

async function setup(now = () => new Date()) {
  const app = testApp({ db: t.db, env: ENV, now });
  const owner = await createAccount(t, app);
  const grant = (body: Record<string, unknown>, ip = "198.51.100.1") => api(app, null, "POST", "/auth/token", body, { "x-forwarded-for": ip });
  const login = async () => {
    const res = await grant({ grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug });
    expect(res.status).toBe(200);
    return json<{ access_token: string; refresh_token: string; expires_in: number; token_type: string }>(res);
  };
  return { app, owner, grant, login };
}

describe("API tokens for user apps", () => {
  test("P22 email and password buy a 15-minute access JWT and a refresh token stored only as SHA-256, never in a cookie", async () => {
    const { app, owner, grant } = await setup();
    const res = await grant({ grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const tok = await json(res);
    expect(tok.token_type).toBe("Bearer");
    expect(tok.expires_in).toBeLessThanOrEqual(900);
    const c = claimsOf(tok.access_token);
    expect(c.exp - c.iat).toBeLessThanOrEqual(900);
    expect(c).toMatchObject({ iss: ORIGIN, aud: `${ORIGIN}/api/v1`, sub: owner.user.id, tid: owner.tenantId });
    expect(JSON.parse(Buffer.from(tok.access_token.split(".")[0], "base64url").toString()).alg).toBe("HS256");
    const rows = await t.su`select token_hash from api_refresh_tokens where user_id = ${owner.user.id}`;
    expect(rows.map((r) => r.token_hash)).toEqual([sha256Hex(tok.refresh_token)]);
    const list = await api(app, tok.access_token, "POST", "/companies", { name: "Made by a user app" });
    expect(list.status).toBe(201);
    const [ev] = await t.su`select actor_type, actor_id from audit_events where action = 'company.created' and tenant_id = ${owner.tenantId}`;
    expect(ev).toEqual({ actor_type: "user", actor_id: owner.user.id });
  });

  test("P22 a token with alg none, a wrong audience, a wrong issuer, a bad signature or past its expiry gets 401", async () => {
    let now = new Date("2026-05-01T12:00:00Z");
    const { app, owner, login } = await setup(() => now);
    const tok = await login();
    expect((await api(app, tok.access_token, "GET", "/contacts")).status).toBe(200);
    const claims = claimsOf(tok.access_token);
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    expect((await api(app, none, "GET", "/contacts")).status).toBe(401);
    const iat = Math.floor(now.getTime() / 1000);
    const base = { iss: ORIGIN, aud: `${ORIGIN}/api/v1`, sub: owner.user.id, tid: owner.tenantId, fam: claims.fam, iat, exp: iat + 600 };
    expect((await api(app, await signAccessToken(SECRET, base), "GET", "/contacts")).status).toBe(200);
    expect((await api(app, await signAccessToken(SECRET, { ...base, aud: "https://other.example/api" }), "GET", "/contacts")).status).toBe(401);
    expect((await api(app, await signAccessToken(SECRET, { ...base, iss: "https://evil.example" }), "GET", "/contacts")).status).toBe(401);
    expect((await api(app, await signAccessToken("another-secret-0123456789-0123456789", base), "GET", "/contacts")).status).toBe(401);
    // A token claiming to live longer than 15 minutes is refused even when signed.
    expect((await api(app, await signAccessToken(SECRET, { ...base, exp: iat + 3600 }), "GET", "/contacts")).status).toBe(401);
    const hs = tok.access_token.split(".");
    expect((await api(app, `${b64({ alg: "HS512", typ: "JWT" })}.${hs[1]}.${hs[2]}`, "GET", "/contacts")).status).toBe(401);
    now = new Date(now.getTime() + 15 * 60_000 + 1000);
    const expired = await api(app, tok.access_token, "GET", "/contacts");
    expect(expired.status).toBe(401);
    expect(expired.headers.get("content-type")).toBe("application/problem+json");
  });

  test("P22 each refresh rotates the token; replaying a used one is 401 and revokes the family, so the newest fails too", async () => {
    const { app, owner, grant, login } = await setup();
    const first = await login();
    const r2 = await grant({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(r2.status).toBe(200);
    const second = await json(r2);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await api(app, second.access_token, "GET", "/contacts")).status).toBe(200);
    const replay = await grant({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(replay.status).toBe(401);
    expect((await grant({ grant_type: "refresh_token", refresh_token: second.refresh_token })).status).toBe(401);
    // The family's access tokens stop at once too, not when they expire.
    expect((await api(app, second.access_token, "GET", "/contacts")).status).toBe(401);
    const [ev] = await t.su`select action from audit_events where action = 'api_token.reused' and tenant_id = ${owner.tenantId}`;
    expect(ev!.action).toBe("api_token.reused");
    // A new sign-in starts a new family that works.
    const again = await login();
    expect((await api(app, again.access_token, "GET", "/contacts")).status).toBe(200);
  });

  test("P06 the token endpoint shares sign-in's lockout: after 10 failures the right password fails with the same answer", async () => {
    const { owner, grant } = await setup();
    const wrong = await grant({ grant_type: "password", email: owner.user.email, password: "wrong password!", workspace: owner.slug }, "198.51.100.20");
    expect(wrong.status).toBe(401);
    const message = (await json(wrong)).detail;
    const unknown = await grant({ grant_type: "password", email: "nobody@example.com", password: PASSWORD, workspace: owner.slug }, "198.51.100.20");
    expect((await json(unknown)).detail).toBe(message);
    for (let i = 0; i < 9; i++) await grant({ grant_type: "password", email: owner.user.email, password: "wrong password!", workspace: owner.slug }, `198.51.100.${30 + i}`);
    const locked = await grant({ grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug }, "198.51.100.99");
    expect(locked.status).toBe(401);
    expect((await json(locked)).detail).toBe(message);
  });

  test("a malformed token request is a 422 problem, never a 500", async () => {
    const { grant } = await setup();
    for (const body of [{ grant_type: "password", email: 5, password: ["x"], workspace: null }, { grant_type: "magic" }, { grant_type: "password" }]) {
      const res = await grant(body, "198.51.100.150");
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  test("P05 the token endpoint is rate limited per address: 429 with Retry-After", async () => {
    const { grant } = await setup();
    let last: Response | null = null;
    for (let i = 0; i < 31; i++) last = await grant({ grant_type: "refresh_token", refresh_token: "str_nothing" }, "198.51.100.200");
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last!.headers.get("content-type")).toBe("application/problem+json");
  });

  test("P15 asking to erase an account revokes its refresh tokens, access tokens and the API keys it created, at once", async () => {
    const { app, owner, grant, login } = await setup();
    const tok = await login();
    const key = await createKey(owner);
    expect((await api(app, key, "GET", "/contacts")).status).toBe(200);
    await requestAccountErasure({ ...systemCtx(t.db.app), actor: { type: "user", id: owner.user.id } }, owner.user, PASSWORD, { baseUrl: ORIGIN });
    expect((await api(app, key, "GET", "/contacts")).status).toBe(401);
    expect((await api(app, tok.access_token, "GET", "/contacts")).status).toBe(401);
    expect((await grant({ grant_type: "refresh_token", refresh_token: tok.refresh_token })).status).toBe(401);
  });
});
