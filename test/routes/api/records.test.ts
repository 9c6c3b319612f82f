import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";

const t = useTestDatabase();

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  const key = await createKey(owner);
  return { app, owner, key };
}

describe("REST API: companies and contacts", () => {
  test("a company is created, read, partly updated and deleted through the same rules as the form", async () => {
    const { app, owner, key } = await setup();
    const created = await api(app, key, "POST", "/companies", { name: "Acme", domain: "https://www.Acme.example/about", size: "11-50" });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(created.headers.get("location")).toBe(`/api/v1/companies/${body.id}`);
    // The form's schema normalised the domain.
    expect(body).toMatchObject({ name: "Acme", domain: "acme.example", size: "11-50", industry: null });
    const patched = await api(app, key, "PATCH", `/companies/${body.id}`, { industry: "Tools" });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ name: "Acme", domain: "acme.example", size: "11-50", industry: "Tools" });
    const got = await json(await api(app, key, "GET", `/companies/${body.id}`));
    expect(got.industry).toBe("Tools");
    expect((await api(app, key, "DELETE", `/companies/${body.id}`)).status).toBe(204);
    const gone = await api(app, key, "GET", `/companies/${body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get("content-type")).toBe("application/problem+json");
    const actions = await t.su`select action, actor_type, actor_id, actor_label from audit_events where tenant_id = ${owner.tenantId} and target_id = ${body.id} order by seq`;
    expect(actions.map((a) => a.action)).toEqual(["company.created", "company.updated", "company.deleted"]);
    const [k] = await t.su`select id from api_keys where tenant_id = ${owner.tenantId}`;
    for (const a of actions) expect({ type: a.actor_type, id: a.actor_id, label: a.actor_label }).toEqual({ type: "api", id: k!.id, label: "API key Test key" });
  });

  test("bad input is a 422 problem+json with one message per field, and nothing is saved", async () => {
    const { app, owner, key } = await setup();
    const res = await api(app, key, "POST", "/contacts", { emails: ["ok@example.com", "not an email"], phones: { a: 1 } });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const p = await json(res);
    expect(p).toMatchObject({ type: "about:blank", status: 422, title: "Unprocessable content" });
    expect(p.errors).toEqual([{ field: "phones", message: "Give a list of strings." }]);
    const res2 = await api(app, key, "POST", "/contacts", { emails: ["ok@example.com", "not an email"] });
    expect((await json(res2)).errors).toEqual([{ field: "emails", message: "Line 2 is not an email address like name@example.com." }]);
    const res3 = await api(app, key, "POST", "/companies", { domain: "acme.example" });
    expect((await json(res3)).errors).toEqual([{ field: "name", message: "Enter the company's name." }]);
    expect((await api(app, key, "POST", "/companies", "{not json")).status).toBe(422);
    expect((await api(app, key, "POST", "/companies", "[]")).status).toBe(422);
    expect((await api(app, key, "POST", "/companies", { name: "x" }, { "content-type": "text/plain" })).status).toBe(422);
    expect((await api(app, key, "GET", "/companies/not-a-uuid")).status).toBe(404);
    expect((await t.su`select count(*)::int as n from contacts where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
    expect((await t.su`select count(*)::int as n from companies where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });

  test("text holding half a surrogate pair is a 422 naming the field, and nothing is saved", async () => {
    const { app, owner, key } = await setup();
    const res = await api(app, key, "POST", "/contacts", '{"first_name":"Ann","last_name":"\\ud800"}');
    expect(res.status).toBe(422);
    expect((await json(res)).errors).toEqual([{ field: "last_name", message: "This text is not valid Unicode (it holds half a surrogate pair)." }]);
    expect((await api(app, key, "POST", "/companies", '{"name":"Acme","custom":{"tier":["\\udc00"]}}')).status).toBe(422);
    expect((await t.su`select count(*)::int as n from contacts where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
    expect((await t.su`select count(*)::int as n from companies where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
  });

  test("a duplicate email is a 409 problem naming the existing contact", async () => {
    const { app, key } = await setup();
    const first = await json(await api(app, key, "POST", "/contacts", { first_name: "Ada", emails: ["ada@example.com"] }));
    const dup = await api(app, key, "POST", "/contacts", { first_name: "Ada 2", emails: ["ADA@example.com"] });
    expect(dup.status).toBe(409);
    expect((await json(dup)).existing).toEqual({ type: "contact", id: first.id });
    expect((await api(app, key, "POST", "/contacts", { first_name: "Ada 2", emails: ["ada@example.com"], confirm_duplicate: true })).status).toBe(201);
  });

  test("lists page by cursor in a stable order: every record once, next_cursor null at the end", async () => {
    const { app, key } = await setup();
    const company = await json(await api(app, key, "POST", "/companies", { name: "Pager Co" }));
    const ids: string[] = [];
    // Same last name for all: the tiebreak (first name, then id) keeps the order total.
    for (let i = 0; i < 7; i++) ids.push((await json(await api(app, key, "POST", "/contacts", { first_name: i % 2 ? "Bo" : "Al", last_name: "Same", company_id: i < 5 ? company.id : null }))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(app, key, "GET", `/contacts?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page: { data: { id: string; first_name: string }[]; next_cursor: string | null } = await json(res);
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((r) => r.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.length).toBe(7);
    expect(new Set(seen)).toEqual(new Set(ids));
    const sorted = (await json(await api(app, key, "GET", "/contacts?limit=100"))).data.map((r: { id: string }) => r.id);
    expect(seen).toEqual(sorted);
    const newest = await json(await api(app, key, "GET", "/contacts?sort=-created&limit=2"));
    expect(newest.data.map((r: { id: string }) => r.id)).toEqual([ids[6], ids[5]]);
    const filtered = await json(await api(app, key, "GET", `/contacts?company=${company.id}&limit=100`));
    expect(filtered.data.length).toBe(5);
    const bad = await api(app, key, "GET", "/contacts?cursor=garbage");
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors[0].field).toBe("cursor");
    expect((await api(app, key, "GET", "/contacts?limit=101")).status).toBe(422);
    expect((await api(app, key, "GET", "/contacts?sort=nope")).status).toBe(422);
  });

  test("an unknown API address is a 404 problem", async () => {
    const { app, key } = await setup();
    const res = await api(app, key, "GET", "/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
