import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const base = (a: Account) => `/t/${a.slug}/crm/companies`;

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  return { app, owner };
}

const member = (app: App, owner: Account, role: Role) => memberOf(t, app, owner, role);

/** Creates through the app and returns the new id from the 303's Location. */
async function create(a: Account, body: Record<string, string>): Promise<string> {
  const res = await a.client.post(base(a), body);
  expect(res.status).toBe(303);
  const loc = res.headers.get("location")!;
  expect(loc).toMatch(new RegExp(`^${base(a)}/[0-9a-f-]{36}$`));
  return loc.split("/").pop()!;
}

async function companies(tenantId: string) {
  const rows = await t.su<{ id: string; name: string; domain: string | null; owner_id: string | null; size: string | null }[]>`
    select id, name, domain, owner_id, size from companies where tenant_id = ${tenantId} order by created_at, id`;
  return rows.map((r) => ({ ...r }));
}

async function events(tenantId: string, prefix = "company.") {
  const rows = await t.su<{ action: string; target_id: string; actor_id: string | null; changes: Record<string, any> | null }[]>`
    select action, target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action like ${prefix + "%"} order by seq`;
  return rows.map((r) => ({ ...r }));
}

/** Inserts n companies directly (as the superuser), with names and creation times in a known order. */
async function seedCompanies(tenantId: string, n: number, over: (i: number) => Record<string, unknown> = () => ({})) {
  const rows = Array.from({ length: n }, (_, i) => ({
    tenant_id: tenantId,
    id: Bun.randomUUIDv7(),
    name: `Company ${String(i).padStart(3, "0")}`,
    created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
    updated_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
    ...over(i),
  }));
  await t.su`insert into companies ${t.su(rows)}`;
  return rows;
}

const names = (html: string) => [...html.matchAll(/<a href="\/t\/[^/]+\/crm\/companies\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((m) => m[1]);
const nextLink = (html: string) => html.match(/href="([^"]*after=[^"]*)"[^>]*rel="next"/)?.[1]?.replaceAll("&amp;", "&") ?? null;

describe("companies", () => {
  test("a member creates a company: the form answers 303 to its page, the domain is stored normalised, and the page shows it", async () => {
    const { app, owner } = await setup();
    const form = await owner.client.get(`${base(owner)}/new`);
    expect(form.status).toBe(200);
    const html = await form.text();
    for (const name of ["name", "domain", "industry", "size", "address", "owner_id"]) expect(html).toContain(`name="${name}"`);
    expect(html).toContain(`<option value="${owner.user.id}" selected="">${owner.user.name}</option>`);
    const colleague = await member(app, owner, "member");
    const id = await create(owner, { name: "  Acme Ltd ", domain: "https://www.Acme.example/about", industry: "Anvils", size: "11-50", address: "1 Road\nTown", owner_id: colleague.user.id });
    const [row] = await companies(owner.tenantId);
    expect(row).toEqual({ id, name: "Acme Ltd", domain: "acme.example", owner_id: colleague.user.id, size: "11-50" });
    const page = await (await owner.client.get(`${base(owner)}/${id}`)).text();
    expect(page).toContain("Acme Ltd");
    expect(page).toContain("acme.example");
    expect(page).toContain(colleague.user.name);
    expect(page).toContain('<section id="timeline"');
  });

  test("invalid input answers 422 with a message by each field and saves nothing", async () => {
    const { owner } = await setup();
    const stranger = await setup();
    const res = await owner.client.post(base(owner), { name: " ", domain: "not a domain", size: "huge", address: "x".repeat(1001), owner_id: stranger.owner.user.id });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter the company&#39;s name.");
    expect(html).toContain("Enter a domain like example.com.");
    expect(html).toContain("Choose a size from the list.");
    expect(html).toContain("Use at most 1000 characters.");
    expect(html).toContain('value="not a domain"');
    const owned = await owner.client.post(base(owner), { name: "Fine", owner_id: stranger.owner.user.id });
    expect(owned.status).toBe(422);
    expect(await owned.text()).toContain("Choose a member of this workspace.");
    const nul = await owner.client.post(base(owner), { name: "Bad\0name" });
    expect(nul.status).toBe(422);
    expect(await companies(owner.tenantId)).toEqual([]);
    expect(await events(owner.tenantId)).toEqual([]);
  });

  test("P10 creating, editing and deleting a company each leave one audit event with what changed", async () => {
    const { owner } = await setup();
    const id = await create(owner, { name: "Globex", domain: "globex.example" });
    const edit = await owner.client.get(`${base(owner)}/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(await edit.text()).toContain('value="globex.example"');
    const res = await owner.client.post(`${base(owner)}/${id}`, { name: "Globex Corp", domain: "globex.example", industry: "Energy" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}/${id}`);
    // Saving without changes records nothing.
    expect((await owner.client.post(`${base(owner)}/${id}`, { name: "Globex Corp", domain: "globex.example", industry: "Energy" })).status).toBe(303);
    const del = await owner.client.post(`${base(owner)}/${id}/deletion`);
    expect(del.status).toBe(303);
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=deleted`);
    expect(await companies(owner.tenantId)).toEqual([]);
    const log = await events(owner.tenantId);
    expect(log.map((e) => e.action)).toEqual(["company.created", "company.updated", "company.deleted"]);
    expect(log.every((e) => e.target_id === id && e.actor_id === owner.user.id)).toBe(true);
    expect(log[0]!.changes).toEqual({ name: "Globex", domain: "globex.example" });
    expect(log[1]!.changes).toEqual({ name: { from: "Globex", to: "Globex Corp" }, industry: { from: null, to: "Energy" } });
    expect(log[2]!.changes).toEqual({ name: "Globex Corp" });
  });

  test("an invalid edit answers 422 with the form and leaves the company unchanged", async () => {
    const { owner } = await setup();
    const id = await create(owner, { name: "Initech" });
    const res = await owner.client.post(`${base(owner)}/${id}`, { name: "", domain: "x" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(`action="${base(owner)}/${id}"`);
    expect((await companies(owner.tenantId))[0]!.name).toBe("Initech");
  });

  test("deleting a company keeps its contacts, with the company link cleared", async () => {
    const { owner } = await setup();
    const id = await create(owner, { name: "Soon Gone" });
    const res = await owner.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Kept", company_id: id });
    expect(res.status).toBe(303);
    expect((await owner.client.post(`${base(owner)}/${id}/deletion`)).status).toBe(303);
    const rows = await t.su`select first_name, company_id from contacts where tenant_id = ${owner.tenantId}`;
    expect(rows.map((r) => ({ ...r }))).toEqual([{ first_name: "Kept", company_id: null }]);
  });

  test("creating a company whose domain exists answers 409 linking to it; ticking confirm_duplicate creates it anyway", async () => {
    const { owner } = await setup();
    const first = await create(owner, { name: "Umbrella", domain: "umbrella.example" });
    const res = await owner.client.post(base(owner), { name: "Umbrella Two", domain: "www.UMBRELLA.example" });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain(`href="${base(owner)}/${first}"`);
    expect(html).toContain('name="confirm_duplicate"');
    expect(html).toContain('value="Umbrella Two"');
    expect(await companies(owner.tenantId)).toHaveLength(1);
    const second = await create(owner, { name: "Umbrella Two", domain: "umbrella.example", confirm_duplicate: "1" });
    expect(second).not.toBe(first);
    expect((await companies(owner.tenantId)).map((c) => c.domain)).toEqual(["umbrella.example", "umbrella.example"]);
  });

  for (const role of ["viewer", "privacy"] as const) {
    test(`roles: a ${role === "privacy" ? "privacy officer" : role} can see companies but cannot change them (403)`, async () => {
      const { app, owner } = await setup();
      const id = await create(owner, { name: "Read Only Inc" });
      const other = await member(app, owner, role);
      const c = other.client;
      const list = await c.get(base(owner));
      expect(list.status).toBe(200);
      const listHtml = await list.text();
      expect(listHtml).toContain("Read Only Inc");
      expect(listHtml).not.toContain('name="ids"');
      expect(listHtml).not.toContain("New company");
      const b = base(owner);
      expect((await c.get(`${b}/${id}`)).status).toBe(200);
      expect((await c.get(`${b}/new`)).status).toBe(403);
      expect((await c.get(`${b}/${id}/edit`)).status).toBe(403);
      expect((await c.post(b, { name: "Nope" })).status).toBe(403);
      expect((await c.post(`${b}/${id}`, { name: "Changed" })).status).toBe(403);
      expect((await c.post(`${b}/${id}/deletion`)).status).toBe(403);
      expect((await c.post(`${b}/bulk`, new URLSearchParams({ ids: id, action: "delete" }))).status).toBe(403);
      expect(await companies(owner.tenantId)).toEqual([{ id, name: "Read Only Inc", domain: null, owner_id: null, size: null }]);
    });
  }

  test("P09 another workspace's company ids and malformed ids answer 404 and change nothing", async () => {
    const { app, owner } = await setup();
    const b = await createAccount(t, app, { workspace: "Workspace MARKER-B" });
    const theirs = await create(b, { name: "MARKER-B company" });
    const a = base(owner);
    for (const [method, path] of [
      ["GET", `${a}/${theirs}`],
      ["GET", `${a}/${theirs}/edit`],
      ["POST", `${a}/${theirs}`],
      ["POST", `${a}/${theirs}/deletion`],
      ["GET", `${a}/not-a-uuid`],
      ["POST", `${a}/not-a-uuid`],
      ["POST", `${a}/not-a-uuid/deletion`],
    ] as const) {
      const res = await owner.client.request(method, path, { body: { name: "Hijacked" } });
      const body = await res.text();
      expect({ path, status: res.status, leaks: body.includes("MARKER-B") }).toEqual({ path, status: 404, leaks: false });
    }
    // Bulk ignores ids that are not this workspace's.
    const bulk = await owner.client.post(`${a}/bulk`, new URLSearchParams([["ids", theirs], ["action", "delete"]]));
    expect(bulk.status).toBe(303);
    expect(bulk.headers.get("location")).toBe(`${a}?done=bulk-deleted&n=0`);
    expect((await companies(b.tenantId)).map((c) => c.name)).toEqual(["MARKER-B company"]);
  });
});

describe("the companies list", () => {
  test("pages through more than 50 companies by keyset, sorted by name either way or by creation", async () => {
    const { owner } = await setup();
    await seedCompanies(owner.tenantId, 120);
    const first = await owner.client.get(base(owner));
    expect(first.status).toBe(200);
    let html = await first.text();
    const seen = names(html);
    expect(seen).toHaveLength(50);
    expect(seen[0]).toBe("Company 000");
    let next = nextLink(html);
    while (next) {
      html = await (await owner.client.get(next)).text();
      seen.push(...names(html));
      next = nextLink(html);
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `Company ${String(i).padStart(3, "0")}`));
    expect(html).toContain("First page");

    const desc = await (await owner.client.get(`${base(owner)}?sort=-name`)).text();
    expect(names(desc).slice(0, 2)).toEqual(["Company 119", "Company 118"]);
    const page2 = await (await owner.client.get(nextLink(desc)!)).text();
    expect(names(page2)[0]).toBe("Company 069");
    const newest = await (await owner.client.get(`${base(owner)}?sort=-created`)).text();
    expect(names(newest)[0]).toBe("Company 119");
    const oldest = await owner.client.get(nextLink(await (await owner.client.get(`${base(owner)}?sort=created`)).text())!);
    expect(names(await oldest.text())[0]).toBe("Company 050");
  });

  test("filters by owner and size, and searches names, domains and industries", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    await seedCompanies(owner.tenantId, 6, (i) => ({
      name: ["Alpha Foods", "Beta Metals", "Gamma Foods", "Delta Air", "Epsilon", "Zeta"][i],
      domain: ["alpha.example", null, "gamma.example", "delta.example", null, null][i],
      industry: ["Food", "Steel", "Food", null, "Software", null][i],
      size: ["1-10", "11-50", "1-10", null, null, "5000+"][i],
      owner_id: i % 2 === 0 ? colleague.user.id : null,
    }));
    const get = async (q: string) => names(await (await owner.client.get(`${base(owner)}?${q}`)).text());
    expect(await get(`owner=${colleague.user.id}`)).toEqual(["Alpha Foods", "Epsilon", "Gamma Foods"]);
    expect(await get("owner=none")).toEqual(["Beta Metals", "Delta Air", "Zeta"]);
    expect(await get("size=1-10")).toEqual(["Alpha Foods", "Gamma Foods"]);
    expect(await get("q=foods")).toEqual(["Alpha Foods", "Gamma Foods"]);
    expect(await get("q=delta.example")).toEqual(["Delta Air"]);
    expect(await get("q=softw")).toEqual(["Epsilon"]);
    expect(await get(`q=food&size=1-10&owner=${colleague.user.id}`)).toEqual(["Alpha Foods", "Gamma Foods"]);
    expect(await get("q=%27%29%20%7C%20%21")).toHaveLength(6); // tsquery syntax is dropped, not run
  });

  test("bad filters and forged page links answer 422 with a message, never 500", async () => {
    const { owner } = await setup();
    for (const q of ["sort=drop", "size=enormous", "owner=someone", `after=${"x".repeat(50)}`, `after=${Buffer.from('["name","a","not-a-uuid"]').toString("base64url")}`, `after=${Buffer.from('["-created","a","0190a5a4-0000-7000-8000-000000000000"]').toString("base64url")}`, `q=${"q".repeat(300)}`]) {
      const res = await owner.client.get(`${base(owner)}?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 422 });
    }
    const res = await owner.client.get(`${base(owner)}?sort=drop`);
    expect(await res.text()).toContain("Choose a sort order from the list.");
  });

  test("an htmx filter request gets only the list region", async () => {
    const { owner } = await setup();
    await seedCompanies(owner.tenantId, 3);
    const res = await owner.client.htmx("GET", `${base(owner)}?q=company`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="companies">')).toBe(true);
    expect(html).not.toContain("<html");
    expect(names(html)).toHaveLength(3);
  });

  test("bulk actions assign an owner to, or delete, the selected companies in one go, one audit event each", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const rows = await seedCompanies(owner.tenantId, 5);
    const ids = rows.map((r) => r.id);
    const assign = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([...ids.slice(0, 3).map((id) => ["ids", id]), ["action", "assign"], ["owner_id", colleague.user.id]]));
    expect(assign.status).toBe(303);
    expect(assign.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=3`);
    expect(await (await owner.client.get(assign.headers.get("location")!)).text()).toContain("3 companies assigned.");
    const after = await companies(owner.tenantId);
    expect(after.map((c) => c.owner_id)).toEqual([colleague.user.id, colleague.user.id, colleague.user.id, null, null]);
    const updated = await events(owner.tenantId, "company.updated");
    expect(updated.map((e) => e.target_id).sort()).toEqual(ids.slice(0, 3).sort());
    expect(updated[0]!.changes).toEqual({ owner_id: { from: null, to: colleague.user.id } });

    const del = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([["ids", ids[3]!], ["ids", ids[4]!], ["ids", "junk"], ["action", "delete"]]));
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=2`);
    expect(await companies(owner.tenantId)).toHaveLength(3);
    expect((await events(owner.tenantId, "company.deleted")).map((e) => e.target_id).sort()).toEqual([ids[3]!, ids[4]!].sort());

    // A new owner who is not a member refuses the whole action.
    const stranger = await createAccount(t, app);
    const bad = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([["ids", ids[0]!], ["action", "assign"], ["owner_id", stranger.user.id]]));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Choose a member of this workspace.");
  });

  test("bulk with nothing selected, an unknown action or more than 500 rows answers 422 and changes nothing", async () => {
    const { owner } = await setup();
    const [row] = await seedCompanies(owner.tenantId, 1);
    const none = await owner.client.post(`${base(owner)}/bulk`, { action: "delete" });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain("Select at least one row first.");
    expect((await owner.client.post(`${base(owner)}/bulk`, { ids: row!.id, action: "explode" })).status).toBe(422);
    const many = new URLSearchParams([...Array.from({ length: 501 }, () => ["ids", row!.id]), ["action", "delete"]]);
    const res = await owner.client.post(`${base(owner)}/bulk`, many);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Select at most 500 rows at a time.");
    expect(await companies(owner.tenantId)).toHaveLength(1);
  });

  test("markup typed into a company is shown as text on the list, the record page and the edit form", async () => {
    const { owner } = await setup();
    const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
    const id = await create(owner, { name: evil, industry: evil, address: evil });
    for (const path of [base(owner), `${base(owner)}/${id}`, `${base(owner)}/${id}/edit`]) {
      const html = await (await owner.client.get(path)).text();
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});
