import { describe, expect, test } from "bun:test";
import { sha256Hex } from "../../../src/domain/api/secrets.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";

const t = useTestDatabase();

describe("API keys", () => {
  test("P22 an API key is shown in one response only and the database holds only its SHA-256 hex and a visible prefix", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const key = await createKey(owner, "read", "Website sync");
    expect(key).toMatch(/^stw_[a-z0-9]{40}$/);
    const list = await (await owner.client.get(`/t/${owner.slug}/settings/api-keys`)).text();
    expect(list).toContain("Website sync");
    expect(list).toContain(key.slice(0, 12));
    expect(list).not.toContain(key.slice(12));
    const rows = await t.su`select * from api_keys where tenant_id = ${owner.tenantId}`;
    expect(rows.length).toBe(1);
    expect(rows[0]!.secret_hash).toBe(sha256Hex(key));
    expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.prefix).toBe(key.slice(0, 12));
    // Nowhere else either: not in any row of any table the key could have reached.
    const dump = await t.su`select (select coalesce(json_agg(a), '[]') from audit_events a)::text as audit, (select coalesce(json_agg(k), '[]') from api_keys k)::text as keys`;
    expect(dump[0]!.audit.includes(key.slice(4))).toBe(false);
    expect(dump[0]!.keys.includes(key.slice(4))).toBe(false);
    const res = await api(app, key, "GET", "/companies");
    expect(res.status).toBe(200);
  });

  test("P22 a revoked key answers 401 at once, as problem+json", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    expect((await api(app, key, "GET", "/contacts")).status).toBe(200);
    const [row] = await t.su`select id from api_keys where tenant_id = ${owner.tenantId}`;
    const revoke = await owner.client.post(`/t/${owner.slug}/settings/api-keys/${row!.id}/revocation`);
    expect(revoke.status).toBe(303);
    const res = await api(app, key, "GET", "/contacts");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect((await json(res)).status).toBe(401);
    const [audit] = await t.su`select action, actor_id from audit_events where action = 'api_key.revoked' and tenant_id = ${owner.tenantId}`;
    expect(audit!.actor_id).toBe(owner.user.id);
  });

  test("a key records when it was last used", async () => {
    let now = new Date("2026-03-01T10:00:00Z");
    const app = testApp({ db: t.db, now: () => now });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    expect((await t.su`select last_used_at from api_keys where tenant_id = ${owner.tenantId}`)[0]!.last_used_at).toBeNull();
    await api(app, key, "GET", "/companies");
    expect((await t.su`select last_used_at from api_keys where tenant_id = ${owner.tenantId}`)[0]!.last_used_at.toISOString()).toBe(now.toISOString());
    now = new Date("2026-03-01T11:00:00Z");
    await api(app, key, "GET", "/companies");
    expect((await t.su`select last_used_at from api_keys where tenant_id = ${owner.tenantId}`)[0]!.last_used_at.toISOString()).toBe(now.toISOString());
  });

  test("only owners and admins manage keys; members get 403", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const member = await memberOf(t, app, owner, "member");
    expect((await member.client.get(`/t/${owner.slug}/settings/api-keys`)).status).toBe(403);
    expect((await member.client.post(`/t/${owner.slug}/settings/api-keys`, { name: "x", access: "write" })).status).toBe(403);
    expect((await t.su`select count(*)::int as n from api_keys where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });

  test("a key without a name is refused with the field's message and nothing saved", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    const res = await owner.client.post(`/t/${owner.slug}/settings/api-keys`, { name: " ", access: "write" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Name the key");
    expect((await t.su`select count(*)::int as n from api_keys where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });

  test("no credential, a malformed one or an unknown key: 401 problem; a read key may not write: 403", async () => {
    const app = testApp({ db: t.db });
    const owner = await createAccount(t, app);
    expect((await api(app, null, "GET", "/companies")).status).toBe(401);
    expect((await api(app, "stw_nope", "GET", "/companies")).status).toBe(401);
    expect((await api(app, "not.a.jwt", "GET", "/companies")).status).toBe(401);
    // A session cookie is not an API credential.
    const withCookie = await owner.client.get("/api/v1/companies");
    expect(withCookie.status).toBe(401);
    const read = await createKey(owner, "read");
    const res = await api(app, read, "POST", "/companies", { name: "Acme" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await t.su`select count(*)::int as n from companies where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });
});
