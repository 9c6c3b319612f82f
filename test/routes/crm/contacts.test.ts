import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const base = (a: Account) => `/t/${a.slug}/crm/contacts`;

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

async function createCompany(a: Account, name: string): Promise<string> {
  const res = await a.client.post(`/t/${a.slug}/crm/companies`, { name });
  expect(res.status).toBe(303);
  return res.headers.get("location")!.split("/").pop()!;
}

async function contacts(tenantId: string) {
  const rows = await t.su<{ id: string; first_name: string; last_name: string; emails: string[]; phones: string[]; title: string | null; company_id: string | null; owner_id: string | null }[]>`
    select id, first_name, last_name, emails, phones, title, company_id, owner_id from contacts where tenant_id = ${tenantId} order by created_at, id`;
  return rows.map((r) => ({ ...r }));
}

async function events(tenantId: string, prefix = "contact.") {
  const rows = await t.su<{ action: string; target_id: string; actor_id: string | null; changes: Record<string, any> | null }[]>`
    select action, target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action like ${prefix + "%"} order by seq`;
  return rows.map((r) => ({ ...r }));
}

/** Inserts n contacts directly (as the superuser), with names and creation times in a known order. */
async function seedContacts(tenantId: string, n: number, over: (i: number) => Record<string, unknown> = () => ({})) {
  const rows = Array.from({ length: n }, (_, i) => ({
    tenant_id: tenantId,
    id: Bun.randomUUIDv7(),
    first_name: "Pat",
    last_name: `Person ${String(i).padStart(3, "0")}`,
    emails: [] as string[],
    phones: [] as string[],
    created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
    updated_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
    ...over(i),
  }));
  for (const r of rows) {
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, emails, phones, company_id, owner_id, created_at, updated_at)
      values (${r.tenant_id}, ${r.id}, ${r.first_name}, ${r.last_name}, ${r.emails}, ${r.phones}, ${(r as any).company_id ?? null}, ${(r as any).owner_id ?? null}, ${r.created_at}, ${r.updated_at})`;
  }
  return rows;
}

const names = (html: string) => [...html.matchAll(/<a href="\/t\/[^/]+\/crm\/contacts\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((m) => m[1]);
const nextLink = (html: string) => html.match(/href="([^"]*after=[^"]*)"[^>]*rel="next"/)?.[1]?.replaceAll("&amp;", "&") ?? null;

describe("contacts", () => {
  test("a member creates a contact: emails are checked, lower-cased and de-duplicated, and the page shows its company and deals", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const companyId = await createCompany(owner, "Acme Ltd");
    const form = await (await owner.client.get(`${base(owner)}/new`)).text();
    for (const name of ["first_name", "last_name", "emails", "phones", "title", "company_id", "owner_id"]) expect(form).toContain(`name="${name}"`);
    expect(form).toContain(`<option value="${owner.user.id}" selected="">${owner.user.name}</option>`);
    expect(form).toContain(`<option value="${colleague.user.id}">${colleague.user.name}</option>`);
    expect(form).toContain(`<option value="${companyId}">Acme Ltd</option>`);
    const id = await create(owner, {
      first_name: " Ada ",
      last_name: "Lovelace",
      emails: "Ada@Example.COM\r\n\r\n ada@example.com \nada.l@example.org",
      phones: "+44 (20) 7946-0958\n+44 20 7946 0958\n555.0100",
      title: "Analyst",
      company_id: companyId,
      owner_id: colleague.user.id,
    });
    const [row] = await contacts(owner.tenantId);
    expect(row).toEqual({
      id,
      first_name: "Ada",
      last_name: "Lovelace",
      emails: ["ada@example.com", "ada.l@example.org"],
      phones: ["+44 (20) 7946-0958", "555.0100"],
      title: "Analyst",
      company_id: companyId,
      owner_id: colleague.user.id,
    });
    // A deal the contact is in (deals are another part's; inserted directly here).
    const pipeline = Bun.randomUUIDv7();
    const stage = Bun.randomUUIDv7();
    const deal = Bun.randomUUIDv7();
    await t.su`insert into pipelines (tenant_id, id, name, created_at) values (${owner.tenantId}, ${pipeline}, 'Sales', now())`;
    await t.su`insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability) values (${owner.tenantId}, ${stage}, ${pipeline}, 'New', 0, 10)`;
    await t.su`insert into deals (tenant_id, id, title, pipeline_id, stage_id, created_at, updated_at) values (${owner.tenantId}, ${deal}, 'Big <b>deal</b>', ${pipeline}, ${stage}, now(), now())`;
    await t.su`insert into deal_contacts (tenant_id, deal_id, contact_id) values (${owner.tenantId}, ${deal}, ${id})`;
    const page = await (await owner.client.get(`${base(owner)}/${id}`)).text();
    expect(page).toContain("Ada Lovelace");
    expect(page).toContain(`<a href="/t/${owner.slug}/crm/companies/${companyId}">Acme Ltd</a>`);
    expect(page).toContain(`<a href="/t/${owner.slug}/crm/deals/${deal}">Big &lt;b&gt;deal&lt;/b&gt;</a>`);
    expect(page).toContain('href="mailto:ada.l@example.org"');
    expect(page).toContain(colleague.user.name);
    expect(page).toContain('<section id="timeline"');
  });

  test("a contact needs a name or an email; bad emails, phones, companies and owners answer 422 by their fields and save nothing", async () => {
    const { owner } = await setup();
    const other = await setup();
    const theirCompany = await createCompany(other.owner, "Not yours");
    const empty = await owner.client.post(base(owner), { first_name: " ", last_name: "", emails: "\n \n", title: "Boss" });
    expect(empty.status).toBe(422);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain("Enter a first or last name, or an email address.");
    expect(emptyHtml).toContain('value="Boss"');
    const cases: [Record<string, string>, string][] = [
      [{ first_name: "A", emails: "ok@example.com\nnot-an-email" }, "Line 2 is not an email address like name@example.com."],
      [{ first_name: "A", emails: Array.from({ length: 11 }, (_, i) => `p${i}@example.com`).join("\n") }, "Enter at most 10 email addresses."],
      [{ first_name: "A", phones: "12" }, "Line 1: enter a phone number of 3 to 50 characters"],
      [{ first_name: "A", phones: "call me maybe" }, "Line 1: enter a phone number"],
      [{ first_name: "A", phones: Array.from({ length: 11 }, (_, i) => `555-01${String(i).padStart(2, "0")}`).join("\n") }, "Enter at most 10 phone numbers."],
      [{ first_name: "A", company_id: theirCompany }, "Choose a company from the list."],
      [{ first_name: "A", company_id: "nope" }, "Choose a company from the list."],
      [{ first_name: "A", owner_id: other.owner.user.id }, "Choose a member of this workspace."],
      [{ first_name: "x".repeat(101) }, "Use at most 100 characters."],
      [{ first_name: "Nul\0" }, "Remove the control characters from this field."],
    ];
    for (const [body, message] of cases) {
      const res = await owner.client.post(base(owner), body);
      expect({ body: Object.keys(body), status: res.status }).toEqual({ body: Object.keys(body), status: 422 });
      expect(await res.text()).toContain(message);
    }
    expect(await contacts(owner.tenantId)).toEqual([]);
    expect(await events(owner.tenantId)).toEqual([]);
  });

  test("an email-only contact is fine, and is named by its email", async () => {
    const { owner } = await setup();
    const id = await create(owner, { emails: "solo@example.com" });
    const page = await (await owner.client.get(`${base(owner)}/${id}`)).text();
    expect(page).toContain("<h1>solo@example.com</h1>");
  });

  test("creating a contact with an email another contact has answers 409 linking to it; ticking confirm_duplicate creates it anyway", async () => {
    const { owner } = await setup();
    const first = await create(owner, { first_name: "Grace", last_name: "Hopper", emails: "grace@example.com\ngh@example.com" });
    const res = await owner.client.post(base(owner), { first_name: "G.", emails: "other@example.com\nGH@example.com" });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain(`<a href="${base(owner)}/${first}">Grace Hopper</a>`);
    expect(html).toContain("gh@example.com already exists");
    expect(html).toContain('name="confirm_duplicate"');
    expect(html).toContain('value="G."');
    expect(await contacts(owner.tenantId)).toHaveLength(1);
    await create(owner, { first_name: "G.", emails: "other@example.com\nGH@example.com", confirm_duplicate: "1" });
    expect((await contacts(owner.tenantId)).map((c) => c.emails)).toEqual([["grace@example.com", "gh@example.com"], ["other@example.com", "gh@example.com"]]);
    // Another workspace's contacts are not duplicates.
    const other = await setup();
    await create(other.owner, { emails: "grace@example.com" });
  });

  test("a duplicate email is found through the search index however its words split, and only an exact email counts", async () => {
    const { owner } = await setup();
    // The search parser splits this address into several words; the check must still find it, and not a
    // contact that merely shares some of those words.
    const odd = "mary-jo.smith+crm_2@mail.example.co.uk";
    const first = await create(owner, { first_name: "Mary-Jo", title: "smith mary-jo", emails: `${odd}\nmj@example.com` });
    await create(owner, { first_name: "Near", emails: "mary-jo.smith+crm_3@mail.example.co.uk" });
    const res = await owner.client.post(base(owner), { first_name: "Again", emails: odd.toUpperCase() });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain(`<a href="${base(owner)}/${first}">`);
    expect((await owner.client.post(base(owner), { first_name: "New", emails: "mary-jo.smith@mail.example.co.uk" })).status).toBe(303);
  });

  test("P10 creating, editing and deleting a contact each leave one audit event; unchanged lists are not reported as changes", async () => {
    const { owner } = await setup();
    const companyId = await createCompany(owner, "Initech");
    const id = await create(owner, { first_name: "Peter", last_name: "Gibbons", emails: "peter@example.com", phones: "555 0101" });
    const edit = await (await owner.client.get(`${base(owner)}/${id}/edit`)).text();
    expect(edit).toContain(">peter@example.com</textarea>");
    const res = await owner.client.post(`${base(owner)}/${id}`, { first_name: "Peter", last_name: "Gibbons", emails: "PETER@example.com", phones: "555 0101\n555 0102", title: "Engineer", company_id: companyId });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}/${id}`);
    const del = await owner.client.post(`${base(owner)}/${id}/deletion`);
    expect(del.status).toBe(303);
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=deleted`);
    expect(await contacts(owner.tenantId)).toEqual([]);
    const log = await events(owner.tenantId);
    expect(log.map((e) => e.action)).toEqual(["contact.created", "contact.updated", "contact.deleted"]);
    expect(log.every((e) => e.target_id === id && e.actor_id === owner.user.id)).toBe(true);
    expect(log[0]!.changes).toEqual({ first_name: "Peter", last_name: "Gibbons", emails: ["peter@example.com"], phones: ["555 0101"] });
    expect(log[1]!.changes).toEqual({
      phones: { from: ["555 0101"], to: ["555 0101", "555 0102"] },
      title: { from: null, to: "Engineer" },
      company_id: { from: null, to: companyId },
    });
    expect(log[2]!.changes).toEqual({ name: "Peter Gibbons" });
  });

  test("an invalid edit answers 422 with the form and leaves the contact unchanged", async () => {
    const { owner } = await setup();
    const id = await create(owner, { first_name: "Milton" });
    const res = await owner.client.post(`${base(owner)}/${id}`, { first_name: "", emails: "bad" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(`action="${base(owner)}/${id}"`);
    expect(html).toContain("Line 1 is not an email address");
    expect((await contacts(owner.tenantId))[0]!.first_name).toBe("Milton");
  });

  test("the new-contact form preselects a company passed from its page", async () => {
    const { owner } = await setup();
    const companyId = await createCompany(owner, "Hooli");
    const companyPage = await (await owner.client.get(`/t/${owner.slug}/crm/companies/${companyId}`)).text();
    expect(companyPage).toContain(`${base(owner)}/new?company_id=${companyId}`);
    const html = await (await owner.client.get(`${base(owner)}/new?company_id=${companyId}`)).text();
    expect(html).toContain(`<option value="${companyId}" selected="">Hooli</option>`);
  });

  for (const role of ["viewer", "privacy"] as const) {
    test(`roles: a ${role === "privacy" ? "privacy officer" : role} can see contacts but cannot change them (403)`, async () => {
      const { app, owner } = await setup();
      const id = await create(owner, { first_name: "Read", last_name: "Only" });
      const other = await member(app, owner, role);
      const c = other.client;
      const b = base(owner);
      const list = await (await c.get(b)).text();
      expect(list).toContain("Read Only");
      expect(list).not.toContain('name="ids"');
      expect((await c.get(`${b}/${id}`)).status).toBe(200);
      expect((await c.get(`${b}/new`)).status).toBe(403);
      expect((await c.get(`${b}/${id}/edit`)).status).toBe(403);
      expect((await c.post(b, { first_name: "Nope" })).status).toBe(403);
      expect((await c.post(`${b}/${id}`, { first_name: "Changed" })).status).toBe(403);
      expect((await c.post(`${b}/${id}/deletion`)).status).toBe(403);
      expect((await c.post(`${b}/bulk`, new URLSearchParams({ ids: id, action: "assign", owner_id: other.user.id }))).status).toBe(403);
      const [row] = await contacts(owner.tenantId);
      expect([row!.first_name, row!.owner_id]).toEqual(["Read", null]);
    });
  }

  test("P09 another workspace's contact ids and malformed ids answer 404 and change nothing", async () => {
    const { app, owner } = await setup();
    const b = await createAccount(t, app, { workspace: "Workspace MARKER-B" });
    const theirs = await create(b, { first_name: "MARKER-B", emails: "marker-b@example.com" });
    const a = base(owner);
    for (const [method, path] of [
      ["GET", `${a}/${theirs}`],
      ["GET", `${a}/${theirs}/edit`],
      ["POST", `${a}/${theirs}`],
      ["POST", `${a}/${theirs}/deletion`],
      ["GET", `${a}/0000`],
      ["POST", `${a}/0000`],
      ["POST", `${a}/0000/deletion`],
    ] as const) {
      const res = await owner.client.request(method, path, { body: { first_name: "Hijacked" } });
      const body = await res.text();
      expect({ path, status: res.status, leaks: body.includes("MARKER-B") }).toEqual({ path, status: 404, leaks: false });
    }
    const bulk = await owner.client.post(`${a}/bulk`, new URLSearchParams([["ids", theirs], ["action", "assign"], ["owner_id", owner.user.id]]));
    expect(bulk.headers.get("location")).toBe(`${a}?done=bulk-assigned&n=0`);
    // B's email is not a duplicate in A, and the warning never points across workspaces.
    expect((await owner.client.post(a, { emails: "marker-b@example.com" })).status).toBe(303);
    expect((await contacts(b.tenantId)).map((k) => [k.first_name, k.owner_id])).toEqual([["MARKER-B", null]]);
  });
});

describe("the contacts list", () => {
  test("pages through more than 50 contacts by keyset, by last name either way or by creation", async () => {
    const { owner } = await setup();
    await seedContacts(owner.tenantId, 110);
    let html = await (await owner.client.get(base(owner))).text();
    const seen = names(html);
    expect(seen).toHaveLength(50);
    let next = nextLink(html);
    while (next) {
      html = await (await owner.client.get(next)).text();
      seen.push(...names(html));
      next = nextLink(html);
    }
    expect(seen).toEqual(Array.from({ length: 110 }, (_, i) => `Pat Person ${String(i).padStart(3, "0")}`));
    const desc = await (await owner.client.get(`${base(owner)}?sort=-name`)).text();
    expect(names(await (await owner.client.get(nextLink(desc)!)).text())[0]).toBe("Pat Person 059");
    const newest = await (await owner.client.get(`${base(owner)}?sort=-created`)).text();
    expect(names(newest)[0]).toBe("Pat Person 109");
    expect(names(await (await owner.client.get(nextLink(newest)!)).text())[0]).toBe("Pat Person 059");
    // A cursor from one sort is refused by another.
    expect((await owner.client.get(nextLink(newest)!.replace("sort=-created", "sort=name"))).status).toBe(422);
  });

  test("filters by owner and company, and searches names, emails and phone digits", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const companyId = await createCompany(owner, "Wayne Enterprises");
    await seedContacts(owner.tenantId, 4, (i) => ({
      first_name: ["Bruce", "Alfred", "Selina", "Harvey"][i],
      last_name: ["Wayne", "Pennyworth", "Kyle", "Dent"][i],
      emails: [["bruce@wayne.example"], [], ["cat@example.org"], ["harvey@gotham.example"]][i],
      phones: [["+1 (555) 010-0001"], ["555 0100 02"], [], ["+1-555-0100-04"]][i],
      company_id: i < 2 ? companyId : null,
      owner_id: i % 2 === 1 ? colleague.user.id : null,
    }));
    const get = async (q: string) => names(await (await owner.client.get(`${base(owner)}?${q}`)).text());
    expect(await get(`owner=${colleague.user.id}`)).toEqual(["Harvey Dent", "Alfred Pennyworth"]);
    expect(await get("owner=none")).toEqual(["Selina Kyle", "Bruce Wayne"]);
    const atWayne = await (await owner.client.get(`${base(owner)}?company=${companyId}`)).text();
    expect(names(atWayne)).toEqual(["Alfred Pennyworth", "Bruce Wayne"]);
    expect(atWayne).toContain("Wayne Enterprises</a> only.");
    expect(await get("q=selina")).toEqual(["Selina Kyle"]);
    expect(await get("q=penny")).toEqual(["Alfred Pennyworth"]);
    expect(await get("q=cat@example.org")).toEqual(["Selina Kyle"]);
    expect(await get("q=harvey%40")).toEqual(["Harvey Dent"]);
    expect(await get("q=5550100")).toEqual(["Harvey Dent", "Alfred Pennyworth", "Bruce Wayne"]);
    expect(await get("q=010-0001")).toEqual(["Bruce Wayne"]);
    expect(await get("q=%2B1%20555%200100%2004")).toEqual(["Harvey Dent"]);
    expect(await get(`q=bruce&company=${companyId}`)).toEqual(["Bruce Wayne"]);
    expect(await get("q=nobody")).toEqual([]);
  });

  test("the list shows name, first email, first phone, company and owner, and markup in any field stays text", async () => {
    const { owner } = await setup();
    const evil = "<script>alert(1)</script>";
    const companyId = await createCompany(owner, `${evil} Corp`);
    const id = await create(owner, { first_name: evil, last_name: "<i>x</i>", title: evil, emails: "a@example.com\nb@example.com", phones: "555 1000\n555 2000", company_id: companyId, owner_id: owner.user.id });
    for (const path of [base(owner), `${base(owner)}/${id}`, `${base(owner)}/${id}/edit`]) {
      const html = await (await owner.client.get(path)).text();
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<i>x</i>");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    const list = await (await owner.client.get(base(owner))).text();
    expect(list).toContain("<td>a@example.com</td>");
    expect(list).not.toContain("b@example.com");
    expect(list).toContain("<td>555 1000</td>");
    expect(list).toContain(`${evil.replaceAll("<", "&lt;").replaceAll(">", "&gt;")} Corp</a>`);
    expect(list).toContain(owner.user.name);
  });

  test("bad filters and forged page links answer 422 with a message, never 500", async () => {
    const { owner } = await setup();
    for (const q of ["sort=salary", "company=acme", "owner=x", "after=%%%", `after=${Buffer.from('["name","a","b","not-a-uuid"]').toString("base64url")}`, `after=${Buffer.from("[1,2,3]").toString("base64url")}`]) {
      const res = await owner.client.get(`${base(owner)}?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 422 });
    }
    expect(await (await owner.client.get(`${base(owner)}?after=zzz`)).text()).toContain("That page link is not valid any more.");
  });

  test("bulk actions assign an owner to, or delete, the selected contacts in one go, one audit event each", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const rows = await seedContacts(owner.tenantId, 4);
    const ids = rows.map((r) => r.id);
    const assign = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([["ids", ids[0]!], ["ids", ids[1]!], ["action", "assign"], ["owner_id", colleague.user.id]]));
    expect(assign.status).toBe(303);
    expect(assign.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=2`);
    expect(await (await owner.client.get(assign.headers.get("location")!)).text()).toContain("2 contacts assigned.");
    expect((await contacts(owner.tenantId)).map((k) => k.owner_id)).toEqual([colleague.user.id, colleague.user.id, null, null]);
    const updated = await events(owner.tenantId, "contact.updated");
    expect(updated.map((e) => e.target_id).sort()).toEqual([ids[0]!, ids[1]!].sort());
    expect(updated[0]!.changes).toEqual({ owner_id: { from: null, to: colleague.user.id } });
    // Assigning the same owner again changes nothing and records nothing.
    const again = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([["ids", ids[0]!], ["action", "assign"], ["owner_id", colleague.user.id]]));
    expect(again.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=0`);
    expect(await events(owner.tenantId, "contact.updated")).toHaveLength(2);

    const del = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([["ids", ids[2]!], ["ids", ids[3]!], ["action", "delete"]]));
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=2`);
    expect((await contacts(owner.tenantId)).map((k) => k.id)).toEqual([ids[0]!, ids[1]!]);
    const deleted = await events(owner.tenantId, "contact.deleted");
    expect(deleted.map((e) => e.changes)).toEqual([{ name: "Pat Person 002" }, { name: "Pat Person 003" }]);

    const none = await owner.client.post(`${base(owner)}/bulk`, { action: "delete" });
    expect(none.status).toBe(422);
    const many = await owner.client.post(`${base(owner)}/bulk`, new URLSearchParams([...Array.from({ length: 501 }, () => ["ids", ids[0]!]), ["action", "delete"]]));
    expect(many.status).toBe(422);
    expect(await contacts(owner.tenantId)).toHaveLength(2);
  });

  test("pages stay light: 50 contacts with long values, and a form listing 500 companies, are each under 15 KB compressed", async () => {
    const { owner } = await setup();
    const companies = Array.from({ length: 600 }, (_, i) => ({ tenant_id: owner.tenantId, id: Bun.randomUUIDv7(), name: `Company number ${i} of a long list`, created_at: new Date(), updated_at: new Date() }));
    await t.su`insert into companies ${t.su(companies)}`;
    await seedContacts(owner.tenantId, 60, (i) => ({
      first_name: `Firstname${i}`,
      emails: [`person.number.${i}@some-company-domain.example`],
      phones: [`+44 20 7946 ${String(i).padStart(4, "0")}`],
      company_id: companies[i]!.id,
      owner_id: owner.user.id,
    }));
    const list = await (await owner.client.get(base(owner))).text();
    expect(names(list)).toHaveLength(50);
    expect(Bun.gzipSync(list).length).toBeLessThan(15_000);
    const form = await (await owner.client.get(`${base(owner)}/new`)).text();
    expect(form.match(/<option value="[0-9a-f-]{36}">Company number/g)).toHaveLength(500);
    expect(form).toContain("The first 500 companies by name.");
    expect(Bun.gzipSync(form).length).toBeLessThan(15_000);
  });

  test("an htmx filter request gets only the list region", async () => {
    const { owner } = await setup();
    await seedContacts(owner.tenantId, 3);
    const res = await owner.client.htmx("GET", `${base(owner)}?q=pat`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="contacts">')).toBe(true);
    expect(html).not.toContain("<html");
    expect(names(html)).toHaveLength(3);
  });
});
