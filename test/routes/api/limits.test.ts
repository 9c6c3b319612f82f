import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";

const t = useTestDatabase();

describe("REST API limits and safety", () => {
  test("each key has its own per-minute limit, told in RateLimit headers; over it: 429 problem with Retry-After", async () => {
    let now = new Date("2026-04-01T09:00:10Z");
    const app = testApp({ db: t.db, env: { API_RATE_PER_MINUTE: "5" }, now: () => now });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    const other = await createKey(owner, "read", "Other");
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(app, key, "GET", "/contacts");
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-policy")).toBe('"default";q=5;w=60');
      seen.push(res.headers.get("ratelimit")!);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0].map((r) => `"default";r=${r};t=50`));
    const over = await api(app, key, "GET", "/contacts");
    expect(over.status).toBe(429);
    expect(over.headers.get("content-type")).toBe("application/problem+json");
    expect(over.headers.get("retry-after")).toBe("50");
    expect(over.headers.get("ratelimit")).toBe('"default";r=0;t=50');
    // Another key of the same workspace is not affected.
    expect((await api(app, other, "GET", "/contacts")).status).toBe(200);
    now = new Date("2026-04-01T09:01:00Z");
    expect((await api(app, key, "GET", "/contacts")).status).toBe(200);
  });

  test("a key's limit is shared by every web process on the database, and refused writes to a read-only workspace use none of it", async () => {
    const now = new Date("2026-04-01T09:00:10Z");
    const env = { API_RATE_PER_MINUTE: "4" };
    const first = testApp({ db: t.db, env, now: () => now });
    const second = testApp({ db: t.db, env, now: () => now });
    const owner = await createAccount(t, first);
    const key = await createKey(owner);
    expect((await api(first, key, "GET", "/contacts")).headers.get("ratelimit")).toBe('"default";r=3;t=50');
    expect((await api(second, key, "GET", "/contacts")).headers.get("ratelimit")).toBe('"default";r=2;t=50');
    await t.su`update tenants set status = 'cancelled', cancelled_at = now(), purge_after = now() + interval '30 days' where id = ${owner.tenantId}`;
    for (let i = 0; i < 3; i++) expect((await api(second, key, "POST", "/companies", { name: "Refused Ltd" })).status).toBe(403);
    expect((await api(first, key, "GET", "/contacts")).headers.get("ratelimit")).toBe('"default";r=1;t=50');
    expect((await api(second, key, "GET", "/contacts")).status).toBe(200);
    expect((await api(first, key, "GET", "/contacts")).status).toBe(429);
  });

  test("a POST repeated with the same Idempotency-Key replays the first response and creates once", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    const headers = { "idempotency-key": "order-42" };
    const first = await api(app, key, "POST", "/companies", { name: "Once Ltd" }, headers);
    expect(first.status).toBe(201);
    const body = await json(first);
    const again = await api(app, key, "POST", "/companies", { name: "Once Ltd" }, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/api/v1/companies/${body.id}`);
    expect(await json(again)).toEqual(body);
    expect((await t.su`select count(*)::int as n from companies where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(1);
    expect((await t.su`select count(*)::int as n from audit_events where tenant_id = ${owner.tenantId} and action = 'company.created'`)[0]!.n).toBe(1);
    const different = await api(app, key, "POST", "/companies", { name: "Twice Ltd" }, headers);
    expect(different.status).toBe(422);
    // Keys are per credential: another key may use the same string for its own request.
    const other = await createKey(owner, "write", "Other");
    expect((await api(app, other, "POST", "/companies", { name: "Other Ltd" }, headers)).status).toBe(201);
    // A refused request is replayed as refused, not retried into a different outcome.
    const bad1 = await api(app, key, "POST", "/companies", {}, { "idempotency-key": "bad-1" });
    const bad2 = await api(app, key, "POST", "/companies", {}, { "idempotency-key": "bad-1" });
    expect([bad1.status, bad2.status]).toEqual([422, 422]);
    expect(bad2.headers.get("content-type")).toBe("application/problem+json");
  });

  test("a request body over the cap is a 413 problem and nothing is saved", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    const res = await api(app, key, "POST", "/notes", { body: "x".repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await t.su`select count(*)::int as n from notes where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });

  test("P16 a cancelled workspace is read-only through the API too: reads answer, writes are a 403 problem", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    const made = await json(await api(app, key, "POST", "/companies", { name: "Before Ltd" }));
    await t.su`update tenants set status = 'cancelled', cancelled_at = now(), purge_after = now() + interval '30 days' where id = ${owner.tenantId}`;
    expect((await api(app, key, "GET", `/companies/${made.id}`)).status).toBe(200);
    const res = await api(app, key, "PATCH", `/companies/${made.id}`, { name: "After Ltd" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await t.su`select name from companies where id = ${made.id}`)[0]!.name).toBe("Before Ltd");
  });

  test("no credential reaches the logs: request lines carry neither keys nor tokens", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = { info: (f: Record<string, unknown>) => lines.push(f), error: (f: Record<string, unknown>) => lines.push(f) };
    const app = testApp({ db: t.db, log, env: { LOG_REQUESTS: "true" } });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    await api(app, key, "GET", "/contacts?limit=1");
    await api(app, key, "POST", "/companies", { name: "Logged Ltd" });
    await api(app, null, "POST", "/auth/token", { grant_type: "refresh_token", refresh_token: "str_secretvalue" });
    expect(lines.length).toBeGreaterThan(0);
    const text = JSON.stringify(lines);
    expect(text.includes(key.slice(4))).toBe(false);
    expect(text.includes("secretvalue")).toBe(false);
  });
});
