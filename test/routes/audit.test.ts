import { beforeAll, describe, expect, test } from "bun:test";
import { audit } from "../../src/domain/audit/audit.ts";
import type { Ctx } from "../../src/domain/context.ts";
import type { Role } from "../../src/domain/schema.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { addMember, createAccount, type Account } from "../support/factories.ts";

const t = useTestDatabase();
let clock = new Date("2025-03-10T12:00:00Z");
const app = () => testApp({ db: t.db, now: () => clock });

let owner: Account;
let other: Account;
const as: Partial<Record<Role, Account>> = {};
const graceId = crypto.randomUUID();

function ctx(tenantId: string, now: string, actor: Ctx["actor"] = { type: "user", id: graceId, label: "Grace Hopper" }): Ctx {
  return { db: t.db.app, tenantId, actor, now: new Date(now), ip: "198.51.100.4", userAgent: "Test/1.0" };
}

/** A small RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes), rows as header-keyed objects. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else if (ch !== "\r") field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])));
}

const base = () => `/t/${owner.slug}/settings/audit`;
const rowsIn = (html: string) => (html.match(/<tr>/g) ?? []).length - 1; // minus the header row
const targets = (html: string, prefix: string) => [...html.matchAll(new RegExp(`${prefix}-(\\d+)`, "g"))].map((m) => m[0]);

beforeAll(async () => {
  const a = app();
  owner = await createAccount(t, a, { workspace: "Audited workspace" });
  for (const role of ["admin", "privacy", "member", "viewer"] as const) {
    const acc = await createAccount(t, a);
    await addMember(t, owner.tenantId, acc.user.id, role);
    as[role] = acc;
  }
  other = await createAccount(t, a, { workspace: "P10 other workspace" });
  await audit(ctx(other.tenantId, "2024-03-02T10:00:00Z"), "member.invited", { type: "invitation", id: "P10-OTHER-MARKER" }, { email: "other-marker@example.com" });

  await audit(ctx(owner.tenantId, "2024-03-01T09:00:00Z"), "member.invited", { type: "invitation", id: "inv-1" }, { role: "member" });
  await audit(ctx(owner.tenantId, "2024-03-02T00:00:00Z"), "member.role_changed", { type: "user", id: "u-2" }, { role: { from: "member", to: "admin" } });
  await audit(ctx(owner.tenantId, "2024-03-02T23:59:59.999Z", { type: "system", id: null }), "workspace.updated", { type: "workspace", id: owner.tenantId }, { name: { from: "Old", to: "New" } });
  await audit(ctx(owner.tenantId, "2024-03-03T08:00:00Z", { type: "user", id: crypto.randomUUID(), label: "<script>alert(1)</script>" }), "deal.created", { type: "deal", id: "d-1" }, { title: { from: null, to: "<img src=x onerror=alert(2)>" } });
  for (let i = 0; i < 60; i++) await audit(ctx(owner.tenantId, "2024-04-01T10:00:00Z"), "bulk.noted", { type: "note", id: `bulk-${i}` });
});

describe("audit trail pages", () => {
  test("P10 admins can browse, filter and export the audit trail", async () => {
    for (const role of ["admin", "privacy"] as const) {
      const res = await as[role]!.client.get(base());
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("<h1>Audit trail</h1>");
      expect(html).toContain("in UTC");
      expect(rowsIn(html)).toBe(50);
    }
    expect((await owner.client.get(base())).status).toBe(200);

    const byPrefix = await (await as.admin!.client.get(`${base()}?action=member.`)).text();
    expect(rowsIn(byPrefix)).toBe(3); // invited, role_changed, and the owner's own member.added
    expect(byPrefix).toContain("member.role_changed");
    expect(byPrefix).not.toContain("bulk.noted");

    const byDay = await (await as.admin!.client.get(`${base()}?from=2024-03-02&to=2024-03-02`)).text();
    expect(rowsIn(byDay)).toBe(2); // midnight and 23:59:59.999 UTC are both inside the day
    expect(byDay).toContain("member.role_changed");
    expect(byDay).toContain("workspace.updated");
    expect(byDay).toContain("name: Old → New");
    expect(byDay).toContain("system");

    const byName = await (await as.admin!.client.get(`${base()}?actor=grace&action=member.invited`)).text();
    expect(rowsIn(byName)).toBe(1);
    expect(byName).toContain("Grace Hopper");
    const byId = await (await as.admin!.client.get(`${base()}?actor=${graceId}&from=2024-03-01&to=2024-03-03`)).text();
    expect(rowsIn(byId)).toBe(2);
    const byTarget = await (await as.admin!.client.get(`${base()}?target_type=deal&target_id=d-1`)).text();
    expect(rowsIn(byTarget)).toBe(1);

    const csv = await as.admin!.client.get(`${base()}.csv?action=bulk.`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="audit-${owner.slug}-2025-03-10.csv"`);
    const records = parseCsv(await csv.text());
    expect(records).toHaveLength(60);
    expect(records[0]).toMatchObject({ action: "bulk.noted", actor_label: "Grace Hopper", ip: "198.51.100.4", user_agent: "Test/1.0", time: "2024-04-01T10:00:00.000Z" });

    const json = await as.privacy!.client.get(`${base()}.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-disposition")).toBe(`attachment; filename="audit-${owner.slug}-2025-03-10.json"`);
    const body = await json.text();
    const events = JSON.parse(body) as { action: string; changes: unknown }[];
    const [count] = await t.su`select count(*)::int as n from audit_events where tenant_id = ${owner.tenantId}`;
    expect(events).toHaveLength(count!.n);
    expect(events[0]).toMatchObject({ action: "audit.exported", changes: { format: "json", filters: {} } });
    expect(events.find((e) => e.action === "member.role_changed")!.changes).toEqual({ role: { from: "member", to: "admin" } });
    const allCsv = await (await as.admin!.client.get(`${base()}.csv`)).text();
    for (const text of [body, allCsv]) {
      expect(text).not.toContain("P10-OTHER-MARKER");
      expect(text).not.toContain("other-marker@example.com");
      expect(text).not.toContain(other.tenantId);
    }

    const exported = await t.su`
      select actor_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = 'audit.exported' order by seq`;
    expect(exported.map((e) => e.changes)).toEqual([
      { format: "csv", filters: { action: "bulk." } },
      { format: "json", filters: {} },
      { format: "csv", filters: {} },
    ]);
    expect(exported[0]!.actor_id).toBe(as.admin!.user.id);
  });

  test("members and viewers get 403 for the trail and its exports, and nothing is exported or recorded", async () => {
    const before = await t.su`select count(*)::int as n from audit_events where action = 'audit.exported'`;
    for (const role of ["member", "viewer"] as const) {
      for (const path of [base(), `${base()}.csv`, `${base()}.json`, `${base()}?from=nonsense`]) {
        const res = await as[role]!.client.get(path);
        expect(res.status).toBe(403);
        expect(res.headers.get("content-disposition")).toBeNull();
        expect(await res.text()).not.toContain("bulk.noted");
      }
    }
    const after = await t.su`select count(*)::int as n from audit_events where action = 'audit.exported'`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  test("someone outside the workspace gets 404 for its audit trail", async () => {
    expect((await other.client.get(base())).status).toBe(404);
    expect((await other.client.get(`${base()}.csv`)).status).toBe(404);
  });

  test("bad filters are a 422 with the form and its messages, never a 500, and nothing is exported", async () => {
    const cases: [string, string][] = [
      ["from=2024-13-45", "Enter a date as YYYY-MM-DD"],
      ["to=yesterday", "Enter a date as YYYY-MM-DD"],
      ["from=2024-03-05&to=2024-03-01", "The end date is before the start date."],
      ["action=DROP%20TABLE%3B", "Use an action such as member.invited"],
      [`actor=${"x".repeat(5000)}`, "Actor: use at most 200 characters."],
      ["before=12abc", "That page link is not valid."],
      ["before=99999999999999999999999", "That page link is not valid."],
    ];
    for (const [query, message] of cases) {
      const res = await as.admin!.client.get(`${base()}?${query}`);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(message);
      if (!query.startsWith("before")) expect(html).toContain('aria-invalid="true"');
      expect(html).toContain(`<form method="get" action="${base()}"`);
    }
    const before = await t.su`select count(*)::int as n from audit_events where action = 'audit.exported'`;
    const csv = await as.admin!.client.get(`${base()}.csv?from=2024-02-30`);
    expect(csv.status).toBe(422);
    expect(csv.headers.get("content-disposition")).toBeNull();
    const after = await t.su`select count(*)::int as n from audit_events where action = 'audit.exported'`;
    expect(after[0]!.n).toBe(before[0]!.n);
    // htmx gets the form with its messages as a fragment, which it swaps (htmx 4 swaps 4xx).
    const frag = await as.admin!.client.htmx("GET", `${base()}?from=2024-13-45`);
    expect(frag.status).toBe(422);
    const text = await frag.text();
    expect(text).toStartWith('<div id="audit">');
    expect(text).toContain("Enter a date as YYYY-MM-DD");
  });

  test("pages hold 50 events, newest first; 'Older' carries the filters and the next page holds the rest without overlap", async () => {
    const first = await (await as.admin!.client.get(`${base()}?action=bulk.`)).text();
    const page1 = targets(first, "bulk");
    expect(page1).toHaveLength(50);
    expect(page1[0]).toBe("bulk-59");
    const older = first.match(/href="([^"]*before=(\d+)[^"]*)"/);
    expect(older).not.toBeNull();
    const href = older![1]!.replaceAll("&amp;", "&");
    expect(href).toContain("action=bulk.");
    const second = await (await as.admin!.client.get(href)).text();
    const page2 = targets(second, "bulk");
    expect(page2).toHaveLength(10);
    expect(page2.filter((x) => page1.includes(x))).toEqual([]);
    expect(new Set([...page1, ...page2]).size).toBe(60);
    expect(second).not.toMatch(/before=\d+/); // the oldest page has no "Older"
    expect(second).toContain(">Newest<");
  });

  test("the filter form works without JavaScript and, with htmx, swaps just the trail", async () => {
    const full = await (await as.admin!.client.get(base())).text();
    expect(full).toContain(`<form method="get" action="${base()}"`);
    expect(full).toMatch(/<form[^>]*hx-get="[^"]*"[^>]*hx-target="#audit"/);
    expect(full).toContain(`href="${base()}.csv"`);
    const frag = await as.admin!.client.htmx("GET", `${base()}?action=member.`);
    expect(frag.status).toBe(200);
    const html = await frag.text();
    expect(html).toStartWith('<div id="audit">');
    expect(html).not.toContain("<html");
    expect(html).toContain(`href="${base()}.csv?action=member."`);
    expect(html).toContain(`href="${base()}.json?action=member."`);
  });

  test("exports stream every matching event across read batches, and an empty export still has its CSV header", async () => {
    // 2,500 events straight in SQL (the chaining trigger still runs), so the export crosses two batch boundaries.
    await t.su.begin(async (tx) => {
      await tx`select set_config('app.tenant_id', ${owner.tenantId}, true)`;
      await tx`
        insert into audit_events (id, tenant_id, actor_type, action, target_type, target_id, created_at)
        select gen_random_uuid(), ${owner.tenantId}, 'system', 'load.tested', 'row', 'row-' || i, '2024-06-01'::timestamptz
        from generate_series(1, 2500) i`;
    });
    const json = JSON.parse(await (await as.admin!.client.get(`${base()}.json?action=load.tested`)).text()) as { target_id: string; seq: string }[];
    expect(json).toHaveLength(2500);
    expect(new Set(json.map((e) => e.target_id)).size).toBe(2500);
    expect(json.map((e) => BigInt(e.seq))).toEqual(json.map((e) => BigInt(e.seq)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    expect(parseCsv(await (await as.admin!.client.get(`${base()}.csv?action=load.tested`)).text())).toHaveLength(2500);

    const empty = await (await as.admin!.client.get(`${base()}.csv?action=nothing.here`)).text();
    expect(empty.trim()).toBe("time,seq,id,actor_type,actor_id,actor_label,action,target_type,target_id,ip,user_agent,changes");
    expect(JSON.parse(await (await as.admin!.client.get(`${base()}.json?action=nothing.here`)).text())).toEqual([]);
  });

  test("markup in actor names and changes is shown as text, never run", async () => {
    const html = await (await as.admin!.client.get(`${base()}?action=deal.created`)).text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
  });

  test("a CSV export defuses cells a spreadsheet would run as formulas", async () => {
    await audit(ctx(owner.tenantId, "2024-05-01T00:00:00Z", { type: "user", id: crypto.randomUUID(), label: "=HYPERLINK(\"http://evil\")" }), "note.created", { type: "note", id: "n-1" });
    clock = new Date("2025-03-11T08:00:00Z");
    const res = await as.admin!.client.get(`${base()}.csv?action=note.created`);
    expect(res.headers.get("content-disposition")).toContain("2025-03-11.csv");
    const [rec] = parseCsv(await res.text());
    expect(rec!.actor_label).toBe("'=HYPERLINK(\"http://evil\")");
  });
});
