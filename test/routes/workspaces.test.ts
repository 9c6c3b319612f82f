import { describe, expect, test } from "bun:test";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";

const t = useTestDatabase();

describe("several workspaces", () => {
  test("a signed-in user creates another workspace, owns it, and can switch between both", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app, { workspace: "First Co" });
    const res = await acct.client.post("/workspaces", { workspace_name: "Second Co", slug: `second-${acct.slug}` });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/second-${acct.slug}`);
    const list = await acct.client.get("/workspaces");
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("First Co");
    expect(html).toContain("Second Co");
    expect((await acct.client.get(`/t/second-${acct.slug}`)).status).toBe(200);
    const [m] = await t.su`select m.role from memberships m join tenants w on w.id = m.tenant_id where w.slug = ${`second-${acct.slug}`}`;
    expect(m!.role).toBe("owner");
    const [a] = await t.su`select count(*)::int as n from audit_events a join tenants w on w.id = a.tenant_id where w.slug = ${`second-${acct.slug}`} and action = 'workspace.created'`;
    expect(a!.n).toBe(1);
  });

  test("a bad or taken address is a 422 with the message, and nothing is created", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const before = await t.su`select count(*)::int as n from tenants`;
    for (const [slug, message] of [[acct.slug, "taken"], ["x", "at least 3"], ["static", "reserved"]] as const) {
      const res = await acct.client.post("/workspaces", { workspace_name: "Another", slug });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(message);
    }
    const missing = await acct.client.post("/workspaces", {});
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("Give the workspace a name.");
    expect((await t.su`select count(*)::int as n from tenants`)[0]!.n).toBe(before[0]!.n);
  });

  test("a workspace or user name holding NUL is a 422 with the message, not a 500, and nothing is created", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const before = await t.su`select count(*)::int as n from tenants`;
    const res = await acct.client.post("/workspaces", { workspace_name: "Nul\u0000 Co", slug: `nul-${acct.slug}` });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Remove the control characters from this field.");
    expect((await t.su`select count(*)::int as n from tenants`)[0]!.n).toBe(before[0]!.n);
    const profile = await acct.client.post("/profile", { name: "Nul\u0000" });
    expect(profile.status).toBe(422);
    expect((await t.su`select name from users where id = ${acct.user.id}`)[0]!.name).toBe(acct.user.name);
  });

  test("signed out, the new-workspace page sends you to sign in", async () => {
    const client = new Client(testApp({ db: t.db }));
    expect((await client.get("/workspaces/new")).headers.get("location")).toBe("/signin?next=%2Fworkspaces%2Fnew");
    expect((await client.post("/workspaces", { workspace_name: "x", slug: "xyz" })).status).toBe(303);
  });
});

describe("inline validation", () => {
  const check = (client: Client, field: string, values: Record<string, string>) =>
    client.htmx("POST", "/signup/validation", { _field: field, ...values }).then(async (r) => ({ status: r.status, html: await r.text() }));

  test("a field's problem comes back as its message fragment, a good value as nothing", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const client = new Client(app);
    expect(await check(client, "slug", { slug: acct.slug })).toEqual({ status: 200, html: expect.stringContaining("This address is taken") });
    expect((await check(client, "slug", { slug: "ab" })).html).toContain("at least 3");
    expect((await check(client, "slug", { slug: "free-slug-here" })).html).toBe("");
    expect((await check(client, "password", { password: "1234567890" })).html).toContain("commonly used");
    expect((await check(client, "password", { password: "short" })).html).toContain("at least 10");
    expect((await check(client, "email", { email: "nope" })).html).toContain("email address");
    expect((await check(client, "email", { email: "fine@example.com" })).html).toBe("");
    expect((await check(client, "name", { name: "<b>x</b>" })).html).toBe("");
  });

  test("it does not say whether an email already has an account", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    const client = new Client(app);
    expect((await check(client, "email", { email: acct.user.email })).html).toBe("");
  });

  test("an unknown field or an empty value answers nothing, never an error", async () => {
    const client = new Client(testApp({ db: t.db }));
    expect(await check(client, "is_admin", { is_admin: "true" })).toEqual({ status: 200, html: "" });
    expect(await check(client, "slug", { slug: "" })).toEqual({ status: 200, html: "" });
  });

  test("the sign-up form wires each field to the check with htmx, and still posts to /signup without it", async () => {
    const html = await (await new Client(testApp({ db: t.db })).get("/signup")).text();
    expect(html).toContain('<form method="post" action="/signup"');
    expect(html).toMatch(/id="f-slug"[^>]*hx-post="\/signup\/validation"[^>]*hx-target="#f-slug-msg"/);
    expect(html).toContain('id="f-slug-msg" aria-live="polite"');
  });
});
