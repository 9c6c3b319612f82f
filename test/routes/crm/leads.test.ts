import { beforeAll, describe, expect, test } from "bun:test";
import type { Ctx } from "../../../src/domain/context.ts";
import { createLead } from "../../../src/domain/crm/leads.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
const clock = new Date("2025-05-01T09:00:00Z");
const app = () => testApp({ db: t.db, now: () => clock });

let owner: Account;
let viewer: Account;
let privacy: Account;
let member: Account;
let other: Account;
let otherLeadId: string;

const base = () => `/t/${owner.slug}/crm/leads`;
const location = (res: Response) => res.headers.get("location") ?? "";
const idFrom = (loc: string) => /\/leads\/([0-9a-f-]{36})/.exec(loc)?.[1] ?? "";
const rowsIn = (html: string) => (html.match(/<tr>/g) ?? []).length - (html.includes("<thead>") ? 1 : 0);
const nextLink = (html: string) => /<a href="([^"]+)"[^>]*rel="next"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;
const leadCount = async (tenantId: string) => Number((await t.su`select count(*)::int as n from leads where tenant_id = ${tenantId}`)[0]!.n);
const auditRows = (tenantId: string, action: string) =>
  t.su<{ actor_id: string; target_id: string; changes: Record<string, unknown> | null }[]>`
    select actor_id, target_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;

function ctxFor(acc: Account, now: Date): Ctx {
  return { db: t.db.app, tenantId: acc.tenantId, actor: { type: "user", id: acc.user.id, label: acc.user.name, role: "owner" }, now, ip: null, userAgent: null };
}

const valid = {
  name: "Ada Lovelace",
  email: "ada@analytical.example",
  phone: "+44 20 7946 0000",
  company_name: "Analytical Engines",
  source: "Trade fair",
  status: "contacted",
  utm_source: "newsletter",
  utm_medium: "email",
  utm_campaign: "spring",
  utm_term: "engines",
  utm_content: "banner-a",
  referrer: "https://news.example/engines?x=1",
};

beforeAll(async () => {
  const a = app();
  owner = await createAccount(t, a, { name: "Olive Owner", workspace: "Leads workspace" });
  viewer = await createAccount(t, a);
  privacy = await createAccount(t, a);
  member = await createAccount(t, a, { name: "Mona Member" });
  await addMember(t, owner.tenantId, viewer.user.id, "viewer");
  await addMember(t, owner.tenantId, privacy.user.id, "privacy");
  await addMember(t, owner.tenantId, member.user.id, "member");
  other = await createAccount(t, a, { workspace: "Other workspace" });
  otherLeadId = await createLead(ctxFor(other, clock), { name: "OTHER-WS-MARKER lead", email: "marker@other.example" });
});

describe("leads: create, view, edit, delete", () => {
  test("a member creates a lead with its attribution and is sent to its page", async () => {
    const res = await member.client.post(base(), { ...valid, owner_id: member.user.id });
    expect(res.status).toBe(303);
    const id = idFrom(location(res));
    expect(location(res)).toBe(`${base()}/${id}?done=created`);
    const html = await (await owner.client.get(`${base()}/${id}`)).text();
    for (const v of ["Ada Lovelace", "ada@analytical.example", "Analytical Engines", "Trade fair", "Contacted", "Mona Member", "newsletter", "spring", "banner-a"]) expect(html).toContain(v);
    expect(html).toContain('href="https://news.example/engines?x=1"');
    expect(html).toContain('<section id="timeline"');
    const [row] = await t.su`select status, utm_medium, referrer, created_by from leads where id = ${id}`;
    expect(row).toMatchObject({ status: "contacted", utm_medium: "email", referrer: "https://news.example/engines?x=1", created_by: member.user.id });
  });

  test("the new-lead form has fields named after the columns and an Attribution fieldset", async () => {
    const html = await (await owner.client.get(`${base()}/new`)).text();
    for (const n of ["name", "email", "phone", "company_name", "source", "status", "owner_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer"]) expect(html).toContain(`name="${n}"`);
    expect(html).toContain("<legend>Attribution</legend>");
    expect(html).toContain(`method="post" action="${base()}"`);
  });

  test("bad input answers 422 with a message next to each field and saves nothing", async () => {
    const before = await leadCount(owner.tenantId);
    const res = await owner.client.post(base(), { name: "  ", email: "not-an-email", status: "won", referrer: "javascript:alert(1)", utm_source: "x".repeat(201) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter the lead&#39;s name.");
    expect(html).toContain("Enter an email address like name@example.com.");
    expect(html).toContain("Choose one of the statuses listed.");
    expect(html).toContain("Enter a web address starting with http:// or https://.");
    expect(html).toContain("Use at most 200 characters.");
    expect(html).toContain('id="f-referrer-msg"');
    const ftp = await owner.client.post(base(), { name: "Ftp", referrer: "ftp://files.example/x" });
    expect(ftp.status).toBe(422);
    const stranger = await owner.client.post(base(), { name: "Owned by a stranger", owner_id: other.user.id });
    expect(stranger.status).toBe(422);
    expect(await stranger.text()).toContain("Choose a member of this workspace.");
    expect(await leadCount(owner.tenantId)).toBe(before);
  });

  test("an edit answers 303 to the record page and changes only what was posted; invalid edits change nothing", async () => {
    const id = idFrom(location(await owner.client.post(base(), { name: "Grace Hopper", status: "new" })));
    const bad = await owner.client.post(`${base()}/${id}`, { name: "", status: "qualified" });
    expect(bad.status).toBe(422);
    expect((await t.su`select status from leads where id = ${id}`)[0]!.status).toBe("new");
    const form = await (await owner.client.get(`${base()}/${id}/edit`)).text();
    expect(form).toContain('value="Grace Hopper"');
    const res = await owner.client.post(`${base()}/${id}`, { name: "Grace Hopper", status: "qualified", source: "Referral" });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}/${id}?done=updated`);
    expect((await t.su`select status, source from leads where id = ${id}`)[0]).toEqual({ status: "qualified", source: "Referral" });
  });

  test("a delete answers 303 to the list and the lead is gone", async () => {
    const id = idFrom(location(await owner.client.post(base(), { name: "To be deleted" })));
    const res = await owner.client.post(`${base()}/${id}/deletion`);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}?done=deleted`);
    expect((await t.su`select count(*)::int as n from leads where id = ${id}`)[0]!.n).toBe(0);
    expect((await owner.client.get(`${base()}/${id}`)).status).toBe(404);
  });

  test("markup in every text field is shown as text on the list and the record page", async () => {
    const xss = "<script>alert(1)</script>";
    const res = await owner.client.post(base(), { name: `${xss} lead`, company_name: xss, source: xss, utm_campaign: xss, referrer: `https://x.example/"><img src=x onerror=alert(2)>` });
    expect(res.status).toBe(303);
    const id = idFrom(location(res));
    for (const html of [await (await owner.client.get(`${base()}/${id}`)).text(), await (await owner.client.get(base())).text()]) {
      expect(html).not.toContain("<script>alert(1)</script>");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });
});

describe("leads: roles and isolation", () => {
  test("roles: a viewer and a privacy officer can read leads but cannot create, change or delete one", async () => {
    const id = idFrom(location(await owner.client.post(base(), { name: "Read only lead" })));
    const before = await leadCount(owner.tenantId);
    for (const acc of [viewer, privacy]) {
      expect((await acc.client.get(base())).status).toBe(200);
      const page = await (await acc.client.get(`${base()}/${id}`)).text();
      expect(page).toContain("Read only lead");
      expect(page).not.toContain("/deletion");
      expect((await acc.client.get(`${base()}/new`)).status).toBe(403);
      expect((await acc.client.get(`${base()}/${id}/edit`)).status).toBe(403);
      expect((await acc.client.post(base(), { name: "Sneaky" })).status).toBe(403);
      expect((await acc.client.post(`${base()}/${id}`, { name: "Renamed" })).status).toBe(403);
      expect((await acc.client.post(`${base()}/${id}/deletion`)).status).toBe(403);
    }
    expect(await leadCount(owner.tenantId)).toBe(before);
    expect((await t.su`select name from leads where id = ${id}`)[0]!.name).toBe("Read only lead");
  });

  test("P09 another workspace's lead ids and malformed ids answer 404 on every lead route, without a trace of it", async () => {
    const paths = [`${base()}/${otherLeadId}`, `${base()}/${otherLeadId}/edit`, `${base()}/${otherLeadId}/conversion`, `${base()}/not-a-uuid`, `${base()}/not-a-uuid/conversion`];
    for (const p of paths) {
      const res = await owner.client.get(p);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("OTHER-WS-MARKER");
    }
    for (const [p, body] of [
      [`${base()}/${otherLeadId}`, { name: "Hijacked" }],
      [`${base()}/${otherLeadId}`, {}],
      [`${base()}/${otherLeadId}/deletion`, {}],
      [`${base()}/${otherLeadId}/conversion`, { company_choice: "none", first_name: "X" }],
      [`${base()}/${otherLeadId}/conversion`, {}],
      [`${base()}/12345`, { name: "x" }],
    ] as const) {
      const res = await owner.client.post(p, body);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("OTHER-WS-MARKER");
    }
    const [row] = await t.su`select name, converted_at from leads where id = ${otherLeadId}`;
    expect(row).toEqual({ name: "OTHER-WS-MARKER lead", converted_at: null });
    expect(await (await owner.client.get(`${base()}?q=marker`)).text()).not.toContain("OTHER-WS-MARKER");
  });

  test("P10 creating, changing and deleting a lead are audited with who, which lead and what changed", async () => {
    const created = idFrom(location(await owner.client.post(base(), { name: "Audited lead", email: "audited@example.com", source: "Web" })));
    await owner.client.post(`${base()}/${created}`, { name: "Audited lead", email: "audited@example.com", source: "Fair", status: "qualified" });
    await owner.client.post(`${base()}/${created}/deletion`);
    const [c] = (await auditRows(owner.tenantId, "lead.created")).filter((r) => r.target_id === created);
    expect(c).toMatchObject({ actor_id: owner.user.id, changes: { name: "Audited lead", source: "Web", status: "new" } });
    const [u] = (await auditRows(owner.tenantId, "lead.updated")).filter((r) => r.target_id === created);
    expect(u!.changes).toEqual({ source: { from: "Web", to: "Fair" }, status: { from: "new", to: "qualified" } });
    const [d] = (await auditRows(owner.tenantId, "lead.deleted")).filter((r) => r.target_id === created);
    expect(d).toMatchObject({ actor_id: owner.user.id, changes: { name: "Audited lead" } });
  });
});

describe("the leads list", () => {
  let list: Account;
  const lbase = () => `/t/${list.slug}/crm/leads`;

  beforeAll(async () => {
    list = await createAccount(t, app(), { workspace: "List workspace" });
    await addMember(t, list.tenantId, member.user.id, "member");
    // 120 leads, one minute apart, with a few statuses, owners and sources to filter on.
    for (let i = 0; i < 120; i++) {
      const n = String(i).padStart(3, "0");
      await createLead(ctxFor(list, new Date(Date.UTC(2025, 0, 1, 0, i))), {
        name: `Lead ${n}`,
        email: `lead${n}@corp${i % 3}.example`,
        company_name: i % 10 === 0 ? "Zebra Zoology" : `Company ${n}`,
        status: i % 4 === 0 ? "qualified" : "new",
        source: i % 5 === 0 ? "Webinar" : "Website",
        owner_id: i % 6 === 0 ? member.user.id : "",
      });
    }
  });

  async function walk(path: string): Promise<string[]> {
    const names: string[] = [];
    let url: string | null = path;
    for (let pages = 0; url && pages < 10; pages++) {
      const res = await list.client.get(url);
      expect(res.status).toBe(200);
      const html = await res.text();
      names.push(...[...html.matchAll(/>(Lead \d{3})</g)].map((m) => m[1]!));
      url = nextLink(html);
    }
    return names;
  }

  test("pages 50 rows at a time by keyset, newest first, with every lead exactly once", async () => {
    const first = await (await list.client.get(lbase())).text();
    expect(rowsIn(first)).toBe(50);
    expect(Bun.gzipSync(first).length).toBeLessThan(15_000); // the page weight budget (design.md)
    expect(first).toContain("Lead 119");
    expect(nextLink(first)).toContain("cursor=");
    const all = await walk(lbase());
    expect(all.length).toBe(120);
    expect(new Set(all).size).toBe(120);
    expect(all[0]).toBe("Lead 119");
    expect(all[119]).toBe("Lead 000");
  });

  test("sorts by name either way and by created oldest first", async () => {
    const byName = await walk(`${lbase()}?sort=name`);
    expect(byName).toEqual([...byName].sort());
    expect(byName.length).toBe(120);
    const desc = await walk(`${lbase()}?sort=name&dir=desc`);
    expect(desc).toEqual([...byName].reverse());
    const oldest = await walk(`${lbase()}?sort=created&dir=asc`);
    expect(oldest[0]).toBe("Lead 000");
    expect(oldest.length).toBe(120);
  });

  test("filters by status, owner, source and creation date, and keeps the filters across pages", async () => {
    const qualified = await walk(`${lbase()}?status=qualified`);
    expect(qualified.length).toBe(30);
    const owned = await walk(`${lbase()}?owner=${member.user.id}`);
    expect(owned.length).toBe(20);
    expect((await walk(`${lbase()}?owner=none`)).length).toBe(100);
    expect((await walk(`${lbase()}?source=webinar`)).length).toBe(24);
    expect((await walk(`${lbase()}?status=new&source=Website`)).length).toBe(120 - 30 - 24 + 6);
    expect((await walk(`${lbase()}?created_from=2025-01-01&created_to=2025-01-01`)).length).toBe(120);
    expect((await walk(`${lbase()}?created_from=2025-01-02`)).length).toBe(0);
  });

  test("searches names, emails and company names", async () => {
    expect(await walk(`${lbase()}?q=lead042`)).toEqual(["Lead 042"]);
    expect((await walk(`${lbase()}?q=zebra`)).length).toBe(12);
    expect(await walk(`${lbase()}?q=${encodeURIComponent("lead042@corp0.example")}`)).toEqual(["Lead 042"]);
    expect(await walk(`${lbase()}?q=${encodeURIComponent("Lead 007")}`)).toEqual(["Lead 007"]);
    expect(await walk(`${lbase()}?q=${encodeURIComponent("'&|!:* ()")}`)).toHaveLength(50 + 50 + 20);
  });

  test("bad filters and bad cursors answer 422 with a message, never 500", async () => {
    for (const q of ["status=won", "owner=someone", "created_from=2025-02-30", "sort=email", "dir=up", "cursor=garbage", `cursor=${Buffer.from('["x","y"]').toString("base64url")}`, `sort=created&cursor=${Buffer.from(`["not a date","${crypto.randomUUID()}"]`).toString("base64url")}`]) {
      const res = await list.client.get(`${lbase()}?${q}`);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('class="flash bad"');
    }
    const msg = await (await list.client.get(`${lbase()}?status=won`)).text();
    expect(msg).toContain("Choose one of the statuses listed.");
  });

  test("an htmx request gets the list region alone", async () => {
    const res = await list.client.htmx("GET", `${lbase()}?status=qualified`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith('<div id="leads">')).toBe(true);
    expect(html).not.toContain("<html");
    expect(rowsIn(html)).toBe(30);
  });

  test("shows name, email, company, status, source, owner and created, and a Converted badge linking to the contact", async () => {
    const html = await (await list.client.get(`${lbase()}?q=lead006`)).text();
    for (const v of ["Lead 006", "lead006@corp0.example", "Company 006", "New", "Website", "Mona Member", "2025-01-01"]) expect(html).toContain(v);
    const id = (await t.su`select id from leads where tenant_id = ${list.tenantId} and name = 'Lead 006'`)[0]!.id as string;
    const conv = await list.client.post(`${lbase()}/${id}/conversion`, { first_name: "Lead", last_name: "006", emails: "lead006@corp0.example", company_choice: "none" });
    expect(conv.status).toBe(303);
    const contactId = /contacts\/([0-9a-f-]{36})$/.exec(location(conv))![1];
    const after = await (await list.client.get(`${lbase()}?q=lead006`)).text();
    expect(after).toContain(`href="/t/${list.slug}/crm/contacts/${contactId}">Converted</a>`);
  });
});
