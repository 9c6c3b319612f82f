import { describe, expect, test } from "bun:test";
import { sha256 } from "@oslojs/crypto/sha2";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";

const t = useTestDatabase();
const DAY = 86_400_000;

describe("sessions", () => {
  test("P04 the only cookie ever set is the session cookie: HttpOnly, SameSite=Lax, Path=/", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const visitor = new Client(app);
    const seen: string[] = [];
    const collect = async (p: Promise<Response>) => seen.push(...(await p).headers.getSetCookie());
    for (const path of ["/", "/signup", "/signin", "/health", "/nowhere", "/dev/mail"]) await collect(visitor.get(path));
    await collect(visitor.post("/signin", { email: acct.user.email, password: PASSWORD }));
    for (const path of ["/workspaces", `/t/${acct.slug}`, "/", "/nowhere"]) await collect(visitor.get(path));
    await collect(visitor.post("/signout"));
    expect(seen.length).toBeGreaterThan(0);
    const names = new Set(seen.map((c) => c.split("=")[0]));
    expect([...names]).toEqual(["session"]);
    for (const c of seen) {
      expect(c).toContain("HttpOnly");
      expect(c).toContain("SameSite=Lax");
      expect(c).toContain("Path=/");
    }
  });

  test("P04 in production the cookie is __Host-session and Secure", async () => {
    const app = testApp({ db: t.db, env: { NODE_ENV: "production", PUBLIC_URL: "https://steward.example.com" } });
    const acct = await createAccount(t, app);
    const res = await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD }, { "x-forwarded-proto": "https", origin: "https://steward.example.com" });
    expect(res.status).toBe(303);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toStartWith("__Host-session=");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).not.toContain("Domain=");
  });

  test("the database holds SHA-256 of the token's secret, never the secret", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const [id, secret] = acct.token.split(".");
    const [row] = await t.su`select row_to_json(s)::text as json, secret_hash from sessions s where id = ${id!}`;
    expect(row!.json).not.toContain(secret!);
    expect(new Uint8Array(row!.secret_hash)).toEqual(sha256(new TextEncoder().encode(secret!)));
  });

  test("a token with the right id but a wrong secret is rejected", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const forged = new Client(app);
    forged.cookies.set("session", `${acct.token.split(".")[0]}.${"a".repeat(32)}`);
    const res = await forged.get(`/t/${acct.slug}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toStartWith("/signin");
    expect(res.headers.getSetCookie().join()).toMatch(/session=;/);
  });

  test("a new sign-in gets a new token", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const a = await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD });
    const b = await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD });
    const token = (r: Response) => r.headers.getSetCookie()[0]!.split(";")[0];
    expect(token(a)).not.toBe(token(b));
    expect(token(a)).not.toBe(`session=${acct.token}`);
  });

  test("idle beyond 30 days the session is rejected; activity in the second half renews it", async () => {
    let now = Date.now();
    const app = testApp({ db: t.db, now: () => new Date(now) });
    const acct = await createAccount(t, app);
    // Day 20: past half of the lifetime, so the visit renews it to day 50 and re-sends the cookie.
    now += 20 * DAY;
    const renewed = await acct.client.get(`/t/${acct.slug}`);
    expect(renewed.status).toBe(200);
    expect(renewed.headers.getSetCookie()[0]).toStartWith("session=");
    // Day 45: still valid thanks to the renewal (a fixed expiry would have ended on day 30).
    now += 25 * DAY;
    expect((await acct.client.get(`/t/${acct.slug}`)).status).toBe(200);
    // Idle for 31 days after that: gone.
    now += 36 * DAY;
    const expired = await acct.client.get(`/t/${acct.slug}`);
    expect(expired.status).toBe(303);
    const [n] = await t.su`select count(*)::int as n from sessions where id = ${acct.token.split(".")[0]!}`;
    expect(n!.n).toBe(0);
  });

  test("signed-in pages are never cached", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const res = await acct.client.get(`/t/${acct.slug}`);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  test("P10 sign-in, failed sign-in and sign-out are recorded with IP and user agent", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const client = new Client(app, { ip: "203.0.113.7" });
    await client.request("POST", "/signin", { body: { email: acct.user.email, password: "not the password" }, headers: { "user-agent": "TestBrowser/1.0" } });
    await client.request("POST", "/signin", { body: { email: acct.user.email, password: PASSWORD }, headers: { "user-agent": "TestBrowser/1.0" } });
    await client.post("/signout");
    const rows = await t.su`select action, actor_id, ip, user_agent, changes from audit_events where actor_id = ${acct.user.id} and tenant_id is null order by seq`;
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(["user.signed_up", "session.failed", "session.created", "session.ended"]);
    expect(rows[1]).toMatchObject({ ip: "203.0.113.7", user_agent: "TestBrowser/1.0" });
    expect(rows[2]).toMatchObject({ ip: "203.0.113.7" });
    expect(JSON.stringify(rows)).not.toContain("not the password");
  });
});
