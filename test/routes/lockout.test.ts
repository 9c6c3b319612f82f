import { describe, expect, test } from "bun:test";
import { connect } from "../../src/domain/db.ts";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";

const t = useTestDatabase();
const MIN = 60_000;

describe("rate limits", () => {
  test("P05 sign-in over the per-IP limit answers 429 with Retry-After, then recovers when the window passes", async () => {
    let now = Date.UTC(2026, 10, 23, 10, 0, 0);
    const app = testApp({ db: t.db, now: () => new Date(now) });
    const client = new Client(app, { ip: "198.51.100.20" });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await client.post("/signin", { email: "nobody@example.com", password: "whatever it is" })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    const limited = await client.post("/signin", { email: "nobody@example.com", password: "whatever it is" });
    expect(limited.status).toBe(429);
    const retry = Number(limited.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(300);
    expect(await limited.text()).toContain("Too many attempts");
    // Another address is not affected.
    expect((await new Client(app, { ip: "198.51.100.21" }).post("/signin", { email: "x@example.com", password: "whatever it is" })).status).toBe(401);
    now += retry * 1000;
    expect((await client.post("/signin", { email: "nobody@example.com", password: "whatever it is" })).status).toBe(401);
  });

  test("P05 the limit holds across two server processes sharing the database", async () => {
    const otherPool = connect(t.urls, { poolSize: 2 });
    try {
      const now = () => new Date(Date.UTC(2026, 10, 23, 11, 0, 0));
      const a = new Client(testApp({ db: t.db, now }), { ip: "198.51.100.30" });
      const b = new Client(testApp({ db: otherPool, now }), { ip: "198.51.100.30" });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const client = i % 2 ? a : b;
        statuses.push((await client.post("/signup", { name: "n", email: `s${i}@example.com`, password: "short", workspace_name: "w", slug: `s-${i}-xx` })).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 422)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await otherPool.close();
    }
  });

  test("P05 the counters hold no client address, only a hash of it", async () => {
    const rows = await t.su`select bucket from rate_limit_counters`;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.bucket).not.toContain("198.51.100");
  });
});

describe("account lockout", () => {
  test("P06 ten failures in 15 minutes from any mix of IPs lock the account; the right password then fails the same way", async () => {
    let now = Date.UTC(2026, 10, 23, 12, 0, 0);
    const app = testApp({ db: t.db, now: () => new Date(now) });
    const acct = await createAccount(t, app);
    const wrongBody = async (ip: string) => {
      const res = await new Client(app, { ip }).post("/signin", { email: acct.user.email, password: "definitely wrong" });
      expect(res.status).toBe(401);
      return (await res.text()).replace(/<code>[^<]*<\/code>/g, "");
    };
    let failureBody = "";
    for (let i = 0; i < 10; i++) {
      failureBody = await wrongBody(`192.0.2.${i + 1}`);
      now += MIN;
    }
    const [user] = await t.su`select locked_until from users where id = ${acct.user.id}`;
    expect(user!.locked_until.getTime()).toBe(now - MIN + 15 * MIN);
    const right = await new Client(app, { ip: "192.0.2.99" }).post("/signin", { email: acct.user.email, password: PASSWORD });
    expect(right.status).toBe(401);
    expect((await right.text()).replace(/<code>[^<]*<\/code>/g, "")).toBe(failureBody);
    // The owner is told, by email; the lock and the refused attempt are audited.
    const mails = await t.su`select subject, text_body from emails where to_address = ${acct.user.email} and subject like '%locked%'`;
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text_body).toContain("/password-reset");
    const audit = await t.su`select action from audit_events where actor_id = ${acct.user.id} order by seq`;
    expect(audit.map((r) => r.action)).toContain("account.locked");
    expect(audit.at(-1)!.action).toBe("session.refused");
    // After 15 minutes the right password works again.
    now += 15 * MIN;
    expect((await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD })).status).toBe(303);
  });

  test("P06 failures spread over more than 15 minutes do not lock, and a success resets the count", async () => {
    let now = Date.UTC(2026, 10, 23, 14, 0, 0);
    const app = testApp({ db: t.db, now: () => new Date(now) });
    const acct = await createAccount(t, app);
    const fail = () => new Client(app).post("/signin", { email: acct.user.email, password: "definitely wrong" });
    for (let i = 0; i < 9; i++) await fail();
    expect((await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD })).status).toBe(303);
    for (let i = 0; i < 9; i++) await fail();
    now += 16 * MIN;
    await fail();
    expect((await new Client(app).post("/signin", { email: acct.user.email, password: PASSWORD })).status).toBe(303);
    const [user] = await t.su`select locked_until from users where id = ${acct.user.id}`;
    expect(user!.locked_until).toBeNull();
  });
});
