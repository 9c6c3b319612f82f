import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { customFieldSchema, parseCustomValues, type CustomFieldDef } from "../../../src/domain/crm/custom-fields.ts";
import { Invalid } from "../../../src/domain/errors.ts";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const crm = (a: Account) => `/t/${a.slug}/crm`;

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  return { app, owner };
}

const member = (app: App, owner: Account, role: Role) => memberOf(t, app, owner, role);

interface Def {
  id: string;
  object: string;
  key: string;
  label: string;
  type: string;
  options: string[];
  required: boolean;
  position: number;
}

async function definitions(tenantId: string): Promise<Def[]> {
  const rows = await t.su<Def[]>`select id, object, key, label, type, options, required, position from custom_field_definitions where tenant_id = ${tenantId} order by object, position, id`;
  return rows.map((r) => ({ ...r }));
}

/** Defines a field through the admin form and returns its row. */
async function define(a: Account, body: Record<string, string>): Promise<Def> {
  const res = await a.client.post(`${crm(a)}/fields`, body);
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe(`${crm(a)}/fields?done=created#h-${body.object}`);
  const def = (await definitions(a.tenantId)).find((d) => d.object === body.object && d.label === body.label!.trim());
  expect(def).toBeDefined();
  return def!;
}

/** One field of each type on contacts (options one a line, as the form's textarea sends them). */
async function defineAll(a: Account, object = "contact") {
  return {
    tier: await define(a, { object, label: "Tier", type: "select", options: "Gold\nSilver\r\n\nBronze\nGold", required: "1" }),
    tags: await define(a, { object, label: "Tags", type: "multi_select", options: "a\nb\nc" }),
    vip: await define(a, { object, label: "VIP", type: "checkbox" }),
    budget: await define(a, { object, label: "Budget", type: "number" }),
    since: await define(a, { object, label: "Customer since", type: "date" }),
    nick: await define(a, { object, label: "Nickname", type: "text" }),
    bio: await define(a, { object, label: "Biography", type: "long_text" }),
    site: await define(a, { object, label: "Web site", type: "url" }),
    billing: await define(a, { object, label: "Billing email", type: "email" }),
  };
}

async function events(tenantId: string, prefix: string) {
  const rows = await t.su<{ action: string; target_id: string; actor_id: string | null; changes: Record<string, any> | null }[]>`
    select action, target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action like ${prefix + "%"} order by seq`;
  return rows.map((r) => ({ ...r }));
}

async function customOf(table: "companies" | "contacts" | "leads" | "deals", id: string): Promise<Record<string, unknown>> {
  const [row] = await t.su<{ custom: Record<string, unknown> }[]>`select custom from ${t.su(table)} where id = ${id}`;
  return row!.custom;
}

/** A field's message as the form shows it, next to the field. */
const message = (html: string, name: string) => html.match(new RegExp(`<div id="f-${name}-msg"[^>]*><p class="field-error" id="f-${name}-error">([^<]*)</p>`))?.[1] ?? null;

const form = (entries: [string, string][]) => new URLSearchParams(entries);

const good = (first = "Ada"): [string, string][] => [
  ["first_name", first],
  ["cf_tier", "Silver"],
  ["cf_tags", "c"],
  ["cf_tags", "a"],
  ["cf_vip", "on"],
  ["cf_budget", " -1234.5 "],
  ["cf_customer_since", "2024-02-29"],
  ["cf_nickname", "<b>Ace</b>"],
  ["cf_biography", "Line one\r\nLine <i>two</i>"],
  ["cf_web_site", "https://example.com/a?b=1"],
  ["cf_billing_email", "Billing@Example.COM"],
];

describe("defining custom fields", () => {
  test("an admin defines a field of each type: keys come from labels, unique per object, options one a line, positions in order", async () => {
    const { owner } = await setup();
    const page = await (await owner.client.get(`${crm(owner)}/fields`)).text();
    for (const name of ["object", "label", "type", "options", "required"]) expect(page).toContain(`name="${name}"`);
    await defineAll(owner);
    const defs = (await definitions(owner.tenantId)).map(({ id: _, ...d }) => d);
    expect(defs).toEqual([
      { object: "contact", key: "tier", label: "Tier", type: "select", options: ["Gold", "Silver", "Bronze"], required: true, position: 0 },
      { object: "contact", key: "tags", label: "Tags", type: "multi_select", options: ["a", "b", "c"], required: false, position: 1 },
      { object: "contact", key: "vip", label: "VIP", type: "checkbox", options: [], required: false, position: 2 },
      { object: "contact", key: "budget", label: "Budget", type: "number", options: [], required: false, position: 3 },
      { object: "contact", key: "customer_since", label: "Customer since", type: "date", options: [], required: false, position: 4 },
      { object: "contact", key: "nickname", label: "Nickname", type: "text", options: [], required: false, position: 5 },
      { object: "contact", key: "biography", label: "Biography", type: "long_text", options: [], required: false, position: 6 },
      { object: "contact", key: "web_site", label: "Web site", type: "url", options: [], required: false, position: 7 },
      { object: "contact", key: "billing_email", label: "Billing email", type: "email", options: [], required: false, position: 8 },
    ]);
    // Keys: accents dropped, a clash numbered, a leading digit prefixed; the same label on another object is fine.
    expect((await define(owner, { object: "contact", label: "Région", type: "text" })).key).toBe("region");
    expect((await define(owner, { object: "contact", label: "Region!", type: "text" })).key).toBe("region_2");
    expect((await define(owner, { object: "contact", label: "2nd phone", type: "text" })).key).toBe("f_2nd_phone");
    expect((await define(owner, { object: "company", label: "Tier", type: "text" })).key).toBe("tier");
    const list = await (await owner.client.get(`${crm(owner)}/fields`)).text();
    expect(list).toContain("<code>billing_email</code>");
    expect(list).toContain("Gold, Silver, Bronze");
  });

  test("bad definitions answer 422 with a message next to the field and save nothing", async () => {
    const { owner } = await setup();
    const cases: [Record<string, string>, string, string][] = [
      [{ object: "contact", label: "", type: "text" }, "label", "Enter a label."],
      [{ object: "contact", label: "x".repeat(101), type: "text" }, "label", "Use at most 100 characters."],
      [{ object: "contact", label: "Colour", type: "select", options: " \n " }, "options", "Add at least one option, one a line."],
      [{ object: "contact", label: "Colour", type: "multi_select", options: Array.from({ length: 51 }, (_, i) => `o${i}`).join("\n") }, "options", "A field has at most 50 options."],
      [{ object: "contact", label: "Colour", type: "select", options: "x".repeat(101) }, "options", "Keep each option to 100 characters."],
      [{ object: "contact", label: "Colour", type: "colour" }, "type", "Choose a type from the list."],
      [{ object: "pipeline", label: "Colour", type: "text" }, "object", "Choose which records the field is for."],
      [{ object: "contact", label: "Col\0our", type: "text" }, "label", "Remove the control characters from this field."],
    ];
    for (const [body, field, text] of cases) {
      const res = await owner.client.post(`${crm(owner)}/fields`, body);
      expect(res.status).toBe(422);
      expect(message(await res.text(), field)).toBe(text);
    }
    await define(owner, { object: "contact", label: "Colour", type: "text" });
    const dup = await owner.client.post(`${crm(owner)}/fields`, { object: "contact", label: "COLOUR", type: "number" });
    expect(dup.status).toBe(422);
    expect(message(await dup.text(), "label")).toBe("Another field of this record type has that label.");
    expect(await definitions(owner.tenantId)).toHaveLength(1);
  });

  test("an object has at most 50 custom fields", async () => {
    const { owner } = await setup();
    for (let i = 0; i < 50; i++) {
      await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, position, created_at)
        values (${owner.tenantId}, ${Bun.randomUUIDv7()}, 'deal', ${`f${i}`}, ${`Field ${i}`}, 'text', ${i}, now())`;
    }
    const res = await owner.client.post(`${crm(owner)}/fields`, { object: "deal", label: "One more", type: "text" });
    expect(res.status).toBe(422);
    expect(message(await res.text(), "object")).toBe("A record type has at most 50 custom fields. Delete one first.");
    await define(owner, { object: "lead", label: "One more", type: "text" });
    expect(await definitions(owner.tenantId)).toHaveLength(51);
  });

  test("P10 editing a field changes its label, options, required and position, never its type or key; each change is audited", async () => {
    const { owner } = await setup();
    const tier = await define(owner, { object: "contact", label: "Tier", type: "select", options: "Gold\nSilver" });
    const edit = await (await owner.client.get(`${crm(owner)}/fields/${tier.id}`)).text();
    expect(edit).toContain("type cannot change: to use another type, delete this field");
    expect(edit).toContain("Values already saved stay stored with each record but are no longer shown");
    const typed = await owner.client.post(`${crm(owner)}/fields/${tier.id}`, { label: "Tier", options: "Gold", position: "0", type: "text" });
    expect(typed.status).toBe(422);
    expect(message(await typed.text(), "type")).toContain("type cannot change. Delete the field and create a new one");
    const bad = await owner.client.post(`${crm(owner)}/fields/${tier.id}`, { label: "Level", options: "", position: "x" });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(message(badHtml, "options")).toBe("Add at least one option, one a line.");
    expect(message(badHtml, "position")).toBe("Enter a whole number from 0 to 9999.");
    expect(badHtml).toContain('value="Level"');
    const res = await owner.client.post(`${crm(owner)}/fields/${tier.id}`, { label: "Level", options: "Gold\nPlatinum", required: "1", position: "7" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${crm(owner)}/fields?done=saved`);
    const [after] = await definitions(owner.tenantId);
    expect(after).toMatchObject({ key: "tier", label: "Level", type: "select", options: ["Gold", "Platinum"], required: true, position: 7 });
    expect((await owner.client.post(`${crm(owner)}/fields/${tier.id}/deletion`)).status).toBe(303);
    const log = await events(owner.tenantId, "custom_field.");
    expect(log.map((e) => [e.action, e.target_id, e.actor_id])).toEqual([
      ["custom_field.created", tier.id, owner.user.id],
      ["custom_field.updated", tier.id, owner.user.id],
      ["custom_field.deleted", tier.id, owner.user.id],
    ]);
    expect(log[0]!.changes).toMatchObject({ object: "contact", field: "tier", label: "Tier", type: "select", options: ["Gold", "Silver"], required: false });
    expect(log[1]!.changes).toEqual({
      object: "contact",
      field: "tier",
      label: { from: "Tier", to: "Level" },
      options: { from: ["Gold", "Silver"], to: ["Gold", "Platinum"] },
      required: { from: false, to: true },
      position: { from: 0, to: 7 },
    });
    expect(log[2]!.changes).toEqual({ object: "contact", field: "tier", label: "Level", type: "select" });
  });

  test("roles: members, viewers and privacy officers see the fields but cannot add, change or delete them (403)", async () => {
    const { app, owner } = await setup();
    const tier = await define(owner, { object: "contact", label: "Tier", type: "select", options: "Gold" });
    const admin = await member(app, owner, "admin");
    expect((await admin.client.post(`${crm(owner)}/fields`, { object: "lead", label: "By admin", type: "text" })).status).toBe(303);
    for (const role of ["member", "viewer", "privacy"] as const) {
      const who = await member(app, owner, role);
      const page = await who.client.get(`${crm(owner)}/fields`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Tier");
      expect(html).not.toContain('name="label"');
      expect((await who.client.post(`${crm(owner)}/fields`, { object: "contact", label: "Mine", type: "text" })).status).toBe(403);
      expect((await who.client.get(`${crm(owner)}/fields/${tier.id}`)).status).toBe(403);
      expect((await who.client.post(`${crm(owner)}/fields/${tier.id}`, { label: "Hacked", options: "Gold", position: "0" })).status).toBe(403);
      expect((await who.client.post(`${crm(owner)}/fields/${tier.id}/deletion`)).status).toBe(403);
    }
    expect((await definitions(owner.tenantId)).map((d) => d.label)).toEqual(["Tier", "By admin"]);
    expect(await events(owner.tenantId, "custom_field.")).toHaveLength(2);
  });

  test("P09 another workspace's field ids answer 404 and its fields never appear in this workspace's pages", async () => {
    const { app, owner } = await setup();
    const other = await createAccount(t, app);
    const theirs = await define(other, { object: "contact", label: "MARKER-B field", type: "select", options: "MARKER-B option" });
    for (const path of [`/fields/${theirs.id}`, "/fields/not-a-uuid", `/fields/${Bun.randomUUIDv7()}`]) {
      expect((await owner.client.get(`${crm(owner)}${path}`)).status).toBe(404);
      const post = await owner.client.post(`${crm(owner)}${path}`, { label: "Renamed", options: "x", position: "1" });
      expect(post.status).toBe(404);
      expect(await post.text()).not.toContain("MARKER-B");
      expect((await owner.client.post(`${crm(owner)}${path}/deletion`)).status).toBe(404);
    }
    for (const path of ["/fields", "/contacts", "/contacts/new", "/contacts?cf_marker_b_field=MARKER-B+option"]) {
      const html = await (await owner.client.get(`${crm(owner)}${path}`)).text();
      expect(html).not.toContain("MARKER-B");
    }
    expect((await definitions(other.tenantId))[0]).toMatchObject({ label: "MARKER-B field", options: ["MARKER-B option"] });
    expect(await events(other.tenantId, "custom_field.updated")).toHaveLength(0);
  });
});

describe("custom fields on records", () => {
  test("a contact form shows the custom fields after its own and validates each: required, number, date, option, URL, email; 422 saves nothing", async () => {
    const { owner } = await setup();
    await defineAll(owner);
    const blank = await (await owner.client.get(`${crm(owner)}/contacts/new`)).text();
    expect(blank.indexOf('name="owner_id"')).toBeLessThan(blank.indexOf('name="cf_tier"'));
    for (const n of ["cf_tier", "cf_tags", "cf_vip", "cf_budget", "cf_customer_since", "cf_nickname", "cf_biography", "cf_web_site", "cf_billing_email"]) expect(blank).toContain(`name="${n}"`);
    const res = await owner.client.post(
      `${crm(owner)}/contacts`,
      form([
        ["first_name", ""],
        ["cf_tags", "a"],
        ["cf_tags", "zz"],
        ["cf_vip", "maybe"],
        ["cf_budget", "12abc"],
        ["cf_customer_since", "2023-02-29"],
        ["cf_nickname", "n".repeat(501)],
        ["cf_biography", "b".repeat(10_001)],
        ["cf_web_site", "javascript:alert(1)"],
        ["cf_billing_email", "not-an-email"],
      ]),
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    // The built-in check and every custom one are reported at once.
    expect(message(html, "first_name")).toBe("Enter a first or last name, or an email address.");
    expect(message(html, "cf_tier")).toBe("Choose one of the options.");
    expect(message(html, "cf_tags")).toBe("Choose only from the options listed.");
    expect(message(html, "cf_vip")).toBe("Tick the box or leave it empty.");
    expect(message(html, "cf_budget")).toContain("Enter a number like 1234.5");
    expect(message(html, "cf_customer_since")).toBe("Enter a real date as YYYY-MM-DD.");
    expect(message(html, "cf_nickname")).toBe("Use at most 500 characters.");
    expect(message(html, "cf_biography")).toBe("Use at most 10000 characters.");
    expect(message(html, "cf_web_site")).toBe("Enter a web address starting with http:// or https://.");
    expect(message(html, "cf_billing_email")).toBe("Enter an email address like name@example.com.");
    // What was typed comes back, so nothing needs typing twice.
    expect(html).toMatch(/name="cf_tags" value="a" checked=""/);
    expect(html).toContain('value="12abc"');
    for (const [name, value] of [["cf_tier", "Platinum"], ["cf_budget", "Infinity"], ["cf_budget", "1e999"], ["cf_customer_since", "2024-1-5"], ["cf_web_site", "ftp://example.com"]]) {
      const one = await owner.client.post(`${crm(owner)}/contacts`, form([...good().filter(([k]) => k !== name), [name!, value!]]));
      expect(one.status).toBe(422);
      expect(message(await one.text(), name!)).not.toBeNull();
    }
    expect((await t.su`select count(*)::int as n from contacts where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
    expect(await events(owner.tenantId, "contact.")).toHaveLength(0);
  });

  test("good values are saved in the custom jsonb with their JSON types, and the record page shows them escaped under More fields", async () => {
    const { owner } = await setup();
    await defineAll(owner);
    const res = await owner.client.post(`${crm(owner)}/contacts`, form(good()));
    expect(res.status).toBe(303);
    const id = res.headers.get("location")!.split("/").pop()!;
    expect(await customOf("contacts", id)).toEqual({
      tier: "Silver",
      tags: ["a", "c"],
      vip: true,
      budget: -1234.5,
      customer_since: "2024-02-29",
      nickname: "<b>Ace</b>",
      biography: "Line one\nLine <i>two</i>",
      web_site: "https://example.com/a?b=1",
      billing_email: "billing@example.com",
    });
    const [types] = await t.su<{ budget: string; vip: string; tags: string }[]>`
      select jsonb_typeof(custom->'budget') as budget, jsonb_typeof(custom->'vip') as vip, jsonb_typeof(custom->'tags') as tags from contacts where id = ${id}`;
    expect({ ...types }).toEqual({ budget: "number", vip: "boolean", tags: "array" });
    const page = await (await owner.client.get(`${crm(owner)}/contacts/${id}`)).text();
    expect(page).toContain('<h2 id="more-fields">More fields</h2>');
    expect(page).toContain("<dt>Nickname</dt><dd>&lt;b&gt;Ace&lt;/b&gt;</dd>");
    expect(page).toContain('<dd class="pre">Line one\nLine &lt;i&gt;two&lt;/i&gt;</dd>');
    expect(page).toContain("<dt>Tags</dt><dd>a, c</dd>");
    expect(page).toContain("<dt>VIP</dt><dd>Yes</dd>");
    expect(page).toContain("<dt>Budget</dt><dd>-1234.5</dd>");
    expect(page).toContain('<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow">https://example.com/a?b=1</a>');
    expect(page).toContain('<a href="mailto:billing@example.com">billing@example.com</a>');
    expect(page).not.toContain("<b>Ace</b>");
    const created = await events(owner.tenantId, "contact.created");
    expect(created[0]!.changes).toMatchObject({ first_name: "Ada", "custom.tier": "Silver", "custom.tags": ["a", "c"], "custom.vip": true, "custom.budget": -1234.5 });
  });

  test("P10 an edit shows the stored values, saves the new ones, keeps values of deleted fields, and audits each change as custom.<key>", async () => {
    const { owner } = await setup();
    const defs = await defineAll(owner);
    const id = (await owner.client.post(`${crm(owner)}/contacts`, form(good()))).headers.get("location")!.split("/").pop()!;
    await t.su`update contacts set custom = custom || '{"legacy": "kept"}'::jsonb where id = ${id}`;
    const edit = await (await owner.client.get(`${crm(owner)}/contacts/${id}/edit`)).text();
    expect(edit).toMatch(/<option value="Silver" selected="">Silver<\/option>/);
    expect(edit).toMatch(/name="cf_tags" value="a" checked=""/);
    expect(edit).toMatch(/name="cf_tags" value="b"\s*\/?>/);
    expect(edit).toMatch(/name="cf_vip" value="1" checked=""/);
    expect(edit).toContain('value="-1234.5"');
    expect(edit).toContain('value="2024-02-29"');
    // Unticking, clearing and changing.
    const changed = good().filter(([k, v]) => k !== "cf_vip" && k !== "cf_nickname" && !(k === "cf_tags" && v === "c"));
    const res = await owner.client.post(`${crm(owner)}/contacts/${id}`, form([...changed.filter(([k]) => k !== "cf_budget"), ["cf_budget", "7"], ["cf_tags", "b"]]));
    expect(res.status).toBe(303);
    expect(await customOf("contacts", id)).toEqual({
      tier: "Silver",
      tags: ["a", "b"],
      vip: false,
      budget: 7,
      customer_since: "2024-02-29",
      biography: "Line one\nLine <i>two</i>",
      web_site: "https://example.com/a?b=1",
      billing_email: "billing@example.com",
      legacy: "kept",
    });
    const [updated] = await events(owner.tenantId, "contact.updated");
    expect(updated!.changes).toEqual({
      "custom.tags": { from: ["a", "c"], to: ["a", "b"] },
      "custom.vip": { from: true, to: false },
      "custom.budget": { from: -1234.5, to: 7 },
      "custom.nickname": { from: "<b>Ace</b>", to: null },
    });
    // A bad custom value on an edit: 422, the record unchanged.
    const bad = await owner.client.post(`${crm(owner)}/contacts/${id}`, form([...changed.filter(([k]) => k !== "cf_budget"), ["cf_budget", "lots"]]));
    expect(bad.status).toBe(422);
    expect(message(await bad.text(), "cf_budget")).not.toBeNull();
    expect((await customOf("contacts", id)).budget).toBe(7);
    // Deleting a definition hides the field everywhere and keeps the values; a field with the same label brings them back.
    expect((await owner.client.post(`${crm(owner)}/fields/${defs.budget.id}/deletion`)).status).toBe(303);
    const page = await (await owner.client.get(`${crm(owner)}/contacts/${id}`)).text();
    expect(page).not.toContain("<dt>Budget</dt>");
    expect(await (await owner.client.get(`${crm(owner)}/contacts/${id}/edit`)).text()).not.toContain('name="cf_budget"');
    expect((await owner.client.post(`${crm(owner)}/contacts/${id}`, form(changed))).status).toBe(303);
    expect((await customOf("contacts", id)).budget).toBe(7);
    await define(owner, { object: "contact", label: "Budget", type: "text" });
    expect(await (await owner.client.get(`${crm(owner)}/contacts/${id}`)).text()).toContain("<dt>Budget</dt><dd>7</dd>");
  });

  test("lists show the first three custom fields by position as columns, and filter on select, multi-select and checkbox fields", async () => {
    const { owner } = await setup();
    const defs = await defineAll(owner);
    const mk = async (first: string, extra: [string, string][]) => {
      const tier: [string, string][] = extra.some(([k]) => k === "cf_tier") ? [] : [["cf_tier", "Gold"]];
      const res = await owner.client.post(`${crm(owner)}/contacts`, form([["first_name", first], ...tier, ...extra]));
      expect(res.status).toBe(303);
    };
    await mk("Gia", [["cf_tags", "a"], ["cf_vip", "1"]]);
    await mk("Sam", [["cf_tier", "Silver"], ["cf_tags", "b"]]);
    await mk("Bo", [["cf_tier", "Bronze"], ["cf_tags", "a"], ["cf_tags", "b"], ["cf_nickname", "<script>x</script>"]]);
    // A record from before the fields existed: no values at all.
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, created_at, updated_at) values (${owner.tenantId}, ${Bun.randomUUIDv7()}, 'Old', '', now(), now())`;
    const names = (html: string) => [...html.matchAll(/<a href="\/t\/[^/]+\/crm\/contacts\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((m) => m[1]).sort();
    const list = await (await owner.client.get(`${crm(owner)}/contacts`)).text();
    expect(list).toContain('<th scope="col">Tier</th><th scope="col">Tags</th><th scope="col">VIP</th>');
    expect(list).not.toContain('<th scope="col">Budget</th>');
    expect(list).toContain("<td>a, b</td>");
    for (const n of ["cf_tier", "cf_tags", "cf_vip"]) expect(list).toContain(`<select id="f-${n}" name="${n}"`);
    expect(list).not.toContain('name="cf_budget"');
    const get = async (q: string) => owner.client.get(`${crm(owner)}/contacts?${q}`);
    expect(names(await (await get("cf_tier=Gold")).text())).toEqual(["Gia"]);
    expect(names(await (await get("cf_tags=b")).text())).toEqual(["Bo", "Sam"]);
    expect(names(await (await get("cf_tags=a&cf_tier=Bronze")).text())).toEqual(["Bo"]);
    expect(names(await (await get("cf_vip=true")).text())).toEqual(["Gia"]);
    expect(names(await (await get("cf_vip=false")).text())).toEqual(["Bo", "Old", "Sam"]);
    // Moving a field to the front makes it a column.
    expect((await owner.client.post(`${crm(owner)}/fields/${defs.nick.id}`, { label: "Nickname", position: "0" })).status).toBe(303);
    expect((await owner.client.post(`${crm(owner)}/fields/${defs.tier.id}`, { label: "Tier", options: "Gold\nSilver\nBronze", required: "1", position: "20" })).status).toBe(303);
    const moved = await (await owner.client.get(`${crm(owner)}/contacts`)).text();
    expect(moved).toContain('<th scope="col">Nickname</th><th scope="col">Tags</th><th scope="col">VIP</th>');
    expect(moved).toContain("<td>&lt;script&gt;x&lt;/script&gt;</td>");
    // Bad filter values answer 422 with the message by the filter, never 500.
    for (const q of ["cf_tier=Platinum", "cf_vip=perhaps", "cf_tags=%00"]) {
      const res = await get(q);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('class="field-error"');
    }
  });

  test("a filtered list pages by keyset and its page links keep the custom filters", async () => {
    const { owner } = await setup();
    await define(owner, { object: "contact", label: "Tier", type: "select", options: "Gold\nSilver" });
    for (let i = 0; i < 130; i++) {
      await t.su`insert into contacts (tenant_id, id, first_name, last_name, custom, created_at, updated_at)
        values (${owner.tenantId}, ${Bun.randomUUIDv7()}, 'Pat', ${`P${String(i).padStart(3, "0")}`}, ${t.su.json({ tier: i % 2 ? "Gold" : "Silver" })}, now(), now())`;
    }
    const first = await (await owner.client.get(`${crm(owner)}/contacts?cf_tier=Gold`)).text();
    expect(first.match(/<td>Gold<\/td>/g)).toHaveLength(50);
    expect(first).not.toContain("<td>Silver</td>");
    const next = first.match(/href="([^"]*after=[^"]*)"[^>]*rel="next"/)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toContain("cf_tier=Gold");
    const second = await (await owner.client.get(next!)).text();
    expect(second.match(/<td>Gold<\/td>/g)).toHaveLength(15);
    expect(second).not.toContain("<td>Silver</td>");
    expect(second).not.toContain('rel="next"');
    // The same filter on the other lists' page links (leads and deals build theirs by hand).
    await define(owner, { object: "lead", label: "Tier", type: "select", options: "Gold\nSilver" });
    for (let i = 0; i < 55; i++) {
      await t.su`insert into leads (tenant_id, id, name, custom, created_at, updated_at) values (${owner.tenantId}, ${Bun.randomUUIDv7()}, ${`Lead ${i}`}, ${t.su.json({ tier: "Gold" })}, now(), now())`;
    }
    const leads = await (await owner.client.get(`/t/${owner.slug}/crm/leads?cf_tier=Gold`)).text();
    expect(leads.match(/href="([^"]*cursor=[^"]*)"[^>]*rel="next"/)?.[1]).toContain("cf_tier=Gold");
  });

  test("companies, leads and deals take custom fields too: form, validation, page, list column and filter", async () => {
    const { owner } = await setup();
    const cases = [
      { object: "company", table: "companies", path: "companies", body: { name: "Acme" } as Record<string, string> },
      { object: "lead", table: "leads", path: "leads", body: { name: "Lee" } },
      { object: "deal", table: "deals", path: "deals", body: { title: "Big one", currency: "EUR" } },
    ] as const;
    // A deal needs a pipeline and stage: the deal list creates the default one.
    await owner.client.get(`${crm(owner)}/deals`);
    const [stage] = await t.su<{ pipeline_id: string; id: string }[]>`select pipeline_id, id from pipeline_stages where tenant_id = ${owner.tenantId} order by position limit 1`;
    for (const c of cases) {
      await define(owner, { object: c.object, label: "Region", type: "select", options: "EMEA\nAPAC", required: "1" });
      await define(owner, { object: c.object, label: "Seats", type: "number" });
      const body = { ...c.body, ...(c.object === "deal" ? { pipeline_id: stage!.pipeline_id, stage_id: stage!.id } : {}) };
      const newForm = await (await owner.client.get(`${crm(owner)}/${c.path}/new`)).text();
      expect(newForm).toContain('name="cf_region"');
      const bad = await owner.client.post(`${crm(owner)}/${c.path}`, { ...body, cf_seats: "many" });
      expect(bad.status).toBe(422);
      const badHtml = await bad.text();
      expect(message(badHtml, "cf_region")).toBe("Choose one of the options.");
      expect(message(badHtml, "cf_seats")).not.toBeNull();
      expect((await t.su`select count(*)::int as n from ${t.su(c.table)} where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(0);
      const res = await owner.client.post(`${crm(owner)}/${c.path}`, { ...body, cf_region: "APAC", cf_seats: "12" });
      expect(res.status).toBe(303);
      const id = res.headers.get("location")!.split("?")[0]!.split("/").pop()!;
      expect(await customOf(c.table, id)).toEqual({ region: "APAC", seats: 12 });
      const page = await (await owner.client.get(`${crm(owner)}/${c.path}/${id}`)).text();
      expect(page).toContain("<dt>Region</dt><dd>APAC</dd>");
      const edit = await (await owner.client.get(`${crm(owner)}/${c.path}/${id}/edit`)).text();
      expect(edit).toContain('value="12"');
      const update = await owner.client.post(`${crm(owner)}/${c.path}/${id}`, { ...body, cf_region: "EMEA", cf_seats: "12" });
      expect(update.status).toBe(303);
      const [updated] = await events(owner.tenantId, `${c.object}.updated`);
      expect(updated!.changes).toEqual({ "custom.region": { from: "APAC", to: "EMEA" } });
      const list = await (await owner.client.get(`${crm(owner)}/${c.path}?cf_region=EMEA`)).text();
      expect(list).toContain('<th scope="col">Region</th><th scope="col">Seats</th>');
      expect(list).toContain("<td>EMEA</td><td>12</td>");
      const none = await (await owner.client.get(`${crm(owner)}/${c.path}?cf_region=APAC`)).text();
      expect(none).not.toContain("<td>EMEA</td>");
    }
  });
});

describe("the schema built from definitions", () => {
  const def = (over: Partial<CustomFieldDef>): CustomFieldDef => ({ id: "x", object: "contact", key: "k", label: "K", type: "text", options: [], required: false, position: 0, ...over });

  test("customFieldSchema reads form names cf_<key> and gives JSON values keyed by field key", () => {
    const schema = customFieldSchema([def({ key: "n", type: "number" }), def({ key: "c", type: "checkbox" }), def({ key: "m", type: "multi_select", options: ["x", "y"] })]);
    expect(schema.parse({ cf_n: "3", cf_c: "true", cf_m: ["y", "x", "y"] })).toEqual({ n: 3, c: true, m: ["x", "y"] });
    expect(schema.parse({})).toEqual({ n: null, c: false, m: null });
    const r = schema.safeParse({ cf_n: "three" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(["cf_n"]);
  });

  test("parseCustomValues takes import values by key: typed or text, multi-select as 'a; b', partial keeps absent fields out", () => {
    const defs = [def({ key: "tier", type: "select", options: ["Gold", "A; B"], required: true }), def({ key: "tags", type: "multi_select", options: ["a", "b", "A; B"] }), def({ key: "n", type: "number" })];
    expect(parseCustomValues(defs, { tier: "Gold", tags: "b; a", n: 4, other: "ignored" })).toEqual({ tier: "Gold", tags: ["a", "b"], n: 4 });
    expect(parseCustomValues(defs, { tier: "A; B", tags: "A; B" })).toEqual({ tier: "A; B", tags: ["A; B"], n: null });
    expect(parseCustomValues(defs, { n: "" }, { partial: true })).toEqual({ n: null });
    expect(() => parseCustomValues(defs, { tags: "a" })).toThrow(Invalid);
    try {
      parseCustomValues(defs, { tier: "Gold", n: "x" });
    } catch (err) {
      expect((err as Invalid).fieldErrors).toEqual({ cf_n: "Enter a number like 1234.5 (digits, a minus sign and a decimal point only)." });
    }
  });
});
