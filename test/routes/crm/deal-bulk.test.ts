import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const base = (a: Account) => `/t/${a.slug}/crm/deals`;
const form = (pairs: [string, string][]) => new URLSearchParams(pairs);
const pick = (ids: string[]) => ids.map((id): [string, string] => ["ids", id]);

/** A workspace with its default pipeline (made by the first visit to /deals, as for a real user). */
async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  expect((await owner.client.get(base(owner))).status).toBe(200);
  return { app, owner };
}

const member = (app: App, owner: Account, role: Role) => memberOf(t, app, owner, role);

/** Inserts n open deals in the workspace's first stage (as the superuser), oldest first, titled "Deal 000", … */
async function seedDeals(a: Account, n: number, over: (i: number) => { title?: string; owner_id?: string | null; contact_id?: string } = () => ({})): Promise<string[]> {
  const [stage] = await t.su<{ id: string; pipeline_id: string }[]>`select id, pipeline_id from pipeline_stages where tenant_id = ${a.tenantId} order by position limit 1`;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = Bun.randomUUIDv7();
    const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
    const o = over(i);
    await t.su`insert into deals (tenant_id, id, title, amount_minor, currency, pipeline_id, stage_id, owner_id, position, created_at, updated_at)
      values (${a.tenantId}, ${id}, ${o.title ?? `Deal ${String(i).padStart(3, "0")}`}, ${1000 + i}, 'EUR', ${stage!.pipeline_id}, ${stage!.id}, ${o.owner_id ?? null}, ${i}, ${at}, ${at})`;
    if (o.contact_id) await t.su`insert into deal_contacts (tenant_id, deal_id, contact_id) values (${a.tenantId}, ${id}, ${o.contact_id})`;
    ids.push(id);
  }
  return ids;
}

async function deals(tenantId: string) {
  const rows = await t.su<{ id: string; title: string; owner_id: string | null; pipeline_id: string }[]>`
    select id, title, owner_id, pipeline_id from deals where tenant_id = ${tenantId} order by created_at, id`;
  return rows.map((r) => ({ ...r }));
}

async function events(tenantId: string, action: string) {
  const rows = await t.su<{ target_id: string; actor_id: string | null; changes: Record<string, unknown> | null }[]>`
    select target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;
  return rows.map((r) => ({ ...r }));
}

describe("bulk actions on the deals list", () => {
  test("an editor sees a checkbox per deal inside one form that posts to the bulk action, with the action and owner choices", async () => {
    const { owner } = await setup();
    const ids = await seedDeals(owner, 3, (i) => ({ title: i === 0 ? "<i>Italic</i> deal" : undefined }));
    const html = await (await owner.client.get(base(owner))).text();
    expect(html).toContain(`<form method="post" action="${base(owner)}/bulk">`);
    for (const id of ids) expect(html).toContain(`<input type="checkbox" name="ids" value="${id}"`);
    expect(html).toContain('aria-label="Select &lt;i&gt;Italic&lt;/i&gt; deal"');
    expect(html).not.toContain("<i>Italic</i>");
    expect(html).toContain('<select id="f-action" name="action"');
    expect(html).toContain(`<option value="${owner.user.id}"`);
    const fragment = await (await owner.client.htmx("GET", `${base(owner)}?status=open`)).text();
    expect(fragment.startsWith('<div id="deals">')).toBe(true);
    expect(fragment.match(/name="ids"/g)).toHaveLength(3);
  });

  test("P10 assigning an owner to selected deals answers 303 with the count and records one deal.updated per deal that changed", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const ids = await seedDeals(owner, 4, (i) => ({ owner_id: i === 2 ? colleague.user.id : null }));
    const res = await owner.client.post(`${base(owner)}/bulk`, form([...pick(ids.slice(0, 3)), ["action", "assign"], ["owner_id", colleague.user.id]]));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=2`);
    expect(await (await owner.client.get(res.headers.get("location")!)).text()).toContain("2 deals assigned.");
    expect((await deals(owner.tenantId)).map((d) => d.owner_id)).toEqual([colleague.user.id, colleague.user.id, colleague.user.id, null]);
    const updated = await events(owner.tenantId, "deal.updated");
    expect(updated.map((e) => e.target_id).sort()).toEqual([ids[0]!, ids[1]!].sort());
    for (const e of updated) expect(e).toMatchObject({ actor_id: owner.user.id, changes: { owner_id: { from: null, to: colleague.user.id } } });

    const clear = await owner.client.post(`${base(owner)}/bulk`, form([...pick([ids[0]!, ids[3]!]), ["action", "assign"], ["owner_id", ""]]));
    expect(clear.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=1`);
    expect((await deals(owner.tenantId)).map((d) => d.owner_id)).toEqual([null, colleague.user.id, colleague.user.id, null]);
    expect(await events(owner.tenantId, "deal.updated")).toHaveLength(3);
  });

  test("P10 deleting selected deals answers 303 with the count, removes their contact links, and records one deal.deleted each", async () => {
    const { owner } = await setup();
    const contact = Bun.randomUUIDv7();
    await t.su`insert into contacts (tenant_id, id, first_name, last_name, created_at, updated_at) values (${owner.tenantId}, ${contact}, 'Pat', 'Buyer', now(), now())`;
    const ids = await seedDeals(owner, 3, () => ({ contact_id: contact }));
    const res = await owner.client.post(`${base(owner)}/bulk`, form([...pick([ids[0]!, ids[2]!]), ["action", "delete"]]));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=2`);
    expect(await (await owner.client.get(res.headers.get("location")!)).text()).toContain("2 deals deleted.");
    const left = await deals(owner.tenantId);
    expect(left.map((d) => d.id)).toEqual([ids[1]!]);
    expect((await t.su`select deal_id from deal_contacts where tenant_id = ${owner.tenantId}`).map((r) => r.deal_id)).toEqual([ids[1]!]);
    const deleted = await events(owner.tenantId, "deal.deleted");
    expect(deleted.map((e) => [e.target_id, e.changes, e.actor_id])).toEqual([
      [ids[0]!, { title: "Deal 000", pipeline_id: left[0]!.pipeline_id }, owner.user.id],
      [ids[2]!, { title: "Deal 002", pipeline_id: left[0]!.pipeline_id }, owner.user.id],
    ]);
  });

  test("bad selections answer 422 with the list and a message, and change nothing", async () => {
    const { app, owner } = await setup();
    const outsider = await createAccount(t, app);
    const ids = await seedDeals(owner, 2);
    const cases: [string, URLSearchParams, string][] = [
      ["no rows", form([["action", "delete"]]), "Select at least one row first."],
      ["501 rows", form([...pick(Array.from({ length: 501 }, () => ids[0]!)), ["action", "delete"]]), "Select at most 500 rows at a time."],
      ["an unknown action", form([...pick(ids), ["action", "close"]]), "Choose an action."],
      ["an owner from outside the workspace", form([...pick(ids), ["action", "assign"], ["owner_id", outsider.user.id]]), "Choose a member of this workspace."],
    ];
    for (const [what, body, message] of cases) {
      const res = await owner.client.post(`${base(owner)}/bulk`, body);
      const html = await res.text();
      expect({ what, status: res.status, message: html.includes(message), list: html.includes('<div id="deals">') }).toEqual({ what, status: 422, message: true, list: true });
    }
    expect((await deals(owner.tenantId)).map((d) => d.owner_id)).toEqual([null, null]);
    expect(await events(owner.tenantId, "deal.updated")).toHaveLength(0);
    expect(await events(owner.tenantId, "deal.deleted")).toHaveLength(0);
  });

  for (const role of ["viewer", "privacy"] as const) {
    test(`roles: a ${role === "privacy" ? "privacy officer" : role} sees no checkboxes and cannot run a bulk action (403)`, async () => {
      const { app, owner } = await setup();
      const ids = await seedDeals(owner, 2);
      const other = await member(app, owner, role);
      const html = await (await other.client.get(base(owner))).text();
      expect(html).toContain("Deal 000");
      expect(html).not.toContain('name="ids"');
      expect(html).not.toContain("/bulk");
      expect((await other.client.post(`${base(owner)}/bulk`, form([...pick(ids), ["action", "assign"], ["owner_id", other.user.id]]))).status).toBe(403);
      expect((await other.client.post(`${base(owner)}/bulk`, form([...pick(ids), ["action", "delete"]]))).status).toBe(403);
      expect((await other.client.post(`${base(owner)}/bulk`, form([["action", "delete"]]))).status).toBe(403);
      expect((await deals(owner.tenantId)).map((d) => d.owner_id)).toEqual([null, null]);
    });
  }

  test("P09 another workspace's deal ids and malformed ids in a selection are ignored, and B's deals are unchanged", async () => {
    const { app, owner } = await setup();
    const b = await createAccount(t, app, { workspace: "Workspace MARKER-B" });
    expect((await b.client.get(base(b))).status).toBe(200);
    const [theirs] = await seedDeals(b, 1, () => ({ title: "MARKER-B deal", owner_id: b.user.id }));
    const [mine] = await seedDeals(owner, 1);
    const assign = await owner.client.post(`${base(owner)}/bulk`, form([...pick([theirs!, mine!, "0000", "not-a-uuid"]), ["action", "assign"], ["owner_id", owner.user.id]]));
    expect(assign.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=1`);
    const del = await owner.client.post(`${base(owner)}/bulk`, form([...pick([theirs!, "0000"]), ["action", "delete"]]));
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=0`);
    expect((await deals(b.tenantId)).map((d) => [d.id, d.title, d.owner_id])).toEqual([[theirs!, "MARKER-B deal", b.user.id]]);
    expect(await events(b.tenantId, "deal.updated")).toHaveLength(0);
    expect((await events(owner.tenantId, "deal.updated")).map((e) => e.target_id)).toEqual([mine!]);
    expect(await events(owner.tenantId, "deal.deleted")).toHaveLength(0);
    const foreignOwner = await owner.client.post(`${base(owner)}/bulk`, form([...pick([mine!]), ["action", "assign"], ["owner_id", b.user.id]]));
    expect(foreignOwner.status).toBe(422);
    expect(await foreignOwner.text()).not.toContain("MARKER-B");
  });

  test("the count in the message is only ever a number, and unknown messages show nothing", async () => {
    const { owner } = await setup();
    const forged = await (await owner.client.get(`${base(owner)}?done=bulk-assigned&n=<script>`)).text();
    expect(forged).toContain("0 deals assigned.");
    expect(forged).not.toContain("<script>");
    for (const done of ["constructor", "toString", "__proto__"]) {
      const res = await owner.client.get(`${base(owner)}?done=${done}`);
      expect({ done, status: res.status }).toEqual({ done, status: 200 });
    }
  });

  test("the list with 50 selectable deals and the bulk bar stays under 15 KB compressed", async () => {
    const { owner } = await setup();
    await seedDeals(owner, 60, (i) => ({ title: `A deal with a fairly long title number ${i}`, owner_id: owner.user.id }));
    const html = await (await owner.client.get(base(owner))).text();
    expect(html.match(/name="ids"/g)).toHaveLength(50);
    expect(Bun.gzipSync(html).length).toBeLessThan(15_000);
  });
});
