import { describe, expect, test } from "bun:test";
import type { App } from "../../../src/app.tsx";
import type { Role } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account, memberOf } from "../../support/factories.ts";

const t = useTestDatabase();

const base = (a: Account) => `/t/${a.slug}/crm/leads`;
const form = (pairs: [string, string][]) => new URLSearchParams(pairs);
const pick = (ids: string[]) => ids.map((id): [string, string] => ["ids", id]);

async function setup() {
  const app = testApp({ db: t.db });
  const owner = await createAccount(t, app);
  return { app, owner };
}

const member = (app: App, owner: Account, role: Role) => memberOf(t, app, owner, role);

/** Inserts n leads directly (as the superuser), oldest first, named "Lead 000", "Lead 001", … */
async function seedLeads(tenantId: string, n: number, over: (i: number) => { name?: string; owner_id?: string | null } = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = Bun.randomUUIDv7();
    const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000);
    const o = over(i);
    await t.su`insert into leads (tenant_id, id, name, owner_id, created_at, updated_at)
      values (${tenantId}, ${id}, ${o.name ?? `Lead ${String(i).padStart(3, "0")}`}, ${o.owner_id ?? null}, ${at}, ${at})`;
    ids.push(id);
  }
  return ids;
}

async function leads(tenantId: string) {
  const rows = await t.su<{ id: string; name: string; owner_id: string | null }[]>`select id, name, owner_id from leads where tenant_id = ${tenantId} order by created_at, id`;
  return rows.map((r) => ({ ...r }));
}

async function events(tenantId: string, action: string) {
  const rows = await t.su<{ target_id: string; actor_id: string | null; changes: Record<string, unknown> | null }[]>`
    select target_id, actor_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;
  return rows.map((r) => ({ ...r }));
}

describe("bulk actions on the leads list", () => {
  test("an editor sees a checkbox per lead inside one form that posts to the bulk action, with the action and owner choices", async () => {
    const { owner } = await setup();
    const ids = await seedLeads(owner.tenantId, 3, (i) => ({ name: i === 0 ? "<b>Bold</b> lead" : undefined }));
    const html = await (await owner.client.get(base(owner))).text();
    expect(html).toContain(`<form method="post" action="${base(owner)}/bulk">`);
    for (const id of ids) expect(html).toContain(`<input type="checkbox" name="ids" value="${id}"`);
    expect(html).toContain('aria-label="Select &lt;b&gt;Bold&lt;/b&gt; lead"');
    expect(html).not.toContain("<b>Bold</b>");
    expect(html).toContain('<select id="f-action" name="action"');
    expect(html).toContain(`<option value="${owner.user.id}"`);
    // The htmx list fragment carries the same form, so a filtered list can be acted on too.
    const fragment = await (await owner.client.htmx("GET", `${base(owner)}?q=lead`)).text();
    expect(fragment.startsWith('<div id="leads">')).toBe(true);
    expect(fragment.match(/name="ids"/g)).toHaveLength(3);
  });

  test("P10 assigning an owner to selected leads answers 303 with the count and records one lead.updated per lead that changed", async () => {
    const { app, owner } = await setup();
    const colleague = await member(app, owner, "member");
    const ids = await seedLeads(owner.tenantId, 4, (i) => ({ owner_id: i === 2 ? colleague.user.id : null }));
    const res = await owner.client.post(`${base(owner)}/bulk`, form([...pick(ids.slice(0, 3)), ["action", "assign"], ["owner_id", colleague.user.id]]));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=2`);
    expect(await (await owner.client.get(res.headers.get("location")!)).text()).toContain("2 leads assigned.");
    expect((await leads(owner.tenantId)).map((l) => l.owner_id)).toEqual([colleague.user.id, colleague.user.id, colleague.user.id, null]);
    const updated = await events(owner.tenantId, "lead.updated");
    expect(updated.map((e) => e.target_id).sort()).toEqual([ids[0]!, ids[1]!].sort());
    for (const e of updated) expect(e).toMatchObject({ actor_id: owner.user.id, changes: { owner_id: { from: null, to: colleague.user.id } } });

    // "Nobody" (an empty owner) takes the owner away; the lead already without one is not counted or audited.
    const clear = await owner.client.post(`${base(owner)}/bulk`, form([...pick([ids[0]!, ids[3]!]), ["action", "assign"], ["owner_id", ""]]));
    expect(clear.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=1`);
    expect((await leads(owner.tenantId)).map((l) => l.owner_id)).toEqual([null, colleague.user.id, colleague.user.id, null]);
    const all = await events(owner.tenantId, "lead.updated");
    expect(all).toHaveLength(3);
    expect(all[2]).toMatchObject({ target_id: ids[0], changes: { owner_id: { from: colleague.user.id, to: null } } });
  });

  test("P10 deleting selected leads answers 303 with the count and records one lead.deleted with its name per lead", async () => {
    const { owner } = await setup();
    const ids = await seedLeads(owner.tenantId, 3);
    const res = await owner.client.post(`${base(owner)}/bulk`, form([...pick([ids[0]!, ids[2]!, ids[2]!]), ["action", "delete"]]));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=2`);
    expect(await (await owner.client.get(res.headers.get("location")!)).text()).toContain("2 leads deleted.");
    expect((await leads(owner.tenantId)).map((l) => l.id)).toEqual([ids[1]!]);
    const deleted = await events(owner.tenantId, "lead.deleted");
    expect(deleted.map((e) => [e.target_id, e.changes, e.actor_id])).toEqual([
      [ids[0]!, { name: "Lead 000" }, owner.user.id],
      [ids[2]!, { name: "Lead 002" }, owner.user.id],
    ]);
  });

  test("bad selections answer 422 with the list and a message, and change nothing", async () => {
    const { app, owner } = await setup();
    const outsider = await createAccount(t, app);
    const ids = await seedLeads(owner.tenantId, 2);
    const cases: [string, URLSearchParams, string][] = [
      ["no rows", form([["action", "delete"]]), "Select at least one row first."],
      ["501 rows", form([...pick(Array.from({ length: 501 }, () => ids[0]!)), ["action", "delete"]]), "Select at most 500 rows at a time."],
      ["no action", form(pick(ids)), "Choose an action."],
      ["an unknown action", form([...pick(ids), ["action", "merge"]]), "Choose an action."],
      ["an owner from outside the workspace", form([...pick(ids), ["action", "assign"], ["owner_id", outsider.user.id]]), "Choose a member of this workspace."],
      ["a malformed owner", form([...pick(ids), ["action", "assign"], ["owner_id", "0000"]]), "Choose a member of this workspace."],
    ];
    for (const [what, body, message] of cases) {
      const res = await owner.client.post(`${base(owner)}/bulk`, body);
      const html = await res.text();
      expect({ what, status: res.status, message: html.includes(message), list: html.includes('<div id="leads">') }).toEqual({ what, status: 422, message: true, list: true });
    }
    expect((await leads(owner.tenantId)).map((l) => l.owner_id)).toEqual([null, null]);
    expect(await events(owner.tenantId, "lead.updated")).toHaveLength(0);
    expect(await events(owner.tenantId, "lead.deleted")).toHaveLength(0);
    // A body that is not a form at all is no selection either: 422, never 500.
    const json = await owner.client.request("POST", `${base(owner)}/bulk`, { json: { ids, action: "delete" } });
    expect(json.status).toBe(422);
    expect(await leads(owner.tenantId)).toHaveLength(2);
  });

  for (const role of ["viewer", "privacy"] as const) {
    test(`roles: a ${role === "privacy" ? "privacy officer" : role} sees no checkboxes and cannot run a bulk action (403)`, async () => {
      const { app, owner } = await setup();
      const ids = await seedLeads(owner.tenantId, 2);
      const other = await member(app, owner, role);
      const html = await (await other.client.get(base(owner))).text();
      expect(html).toContain("Lead 000");
      expect(html).not.toContain('name="ids"');
      expect(html).not.toContain("/bulk");
      expect((await other.client.post(`${base(owner)}/bulk`, form([...pick(ids), ["action", "assign"], ["owner_id", other.user.id]]))).status).toBe(403);
      expect((await other.client.post(`${base(owner)}/bulk`, form([...pick(ids), ["action", "delete"]]))).status).toBe(403);
      // Refused before the body is even read: a bad selection is 403 too, not a 422 that shows the list.
      expect((await other.client.post(`${base(owner)}/bulk`, form([["action", "delete"]]))).status).toBe(403);
      expect((await leads(owner.tenantId)).map((l) => l.owner_id)).toEqual([null, null]);
    });
  }

  test("P09 another workspace's lead ids and malformed ids in a selection are ignored, and B's leads are unchanged", async () => {
    const { app, owner } = await setup();
    const b = await createAccount(t, app, { workspace: "Workspace MARKER-B" });
    const [theirs] = await seedLeads(b.tenantId, 1, () => ({ name: "MARKER-B lead", owner_id: b.user.id }));
    const [mine] = await seedLeads(owner.tenantId, 1);
    const assign = await owner.client.post(`${base(owner)}/bulk`, form([...pick([theirs!, mine!, "0000", "not-a-uuid"]), ["action", "assign"], ["owner_id", owner.user.id]]));
    expect(assign.headers.get("location")).toBe(`${base(owner)}?done=bulk-assigned&n=1`);
    const del = await owner.client.post(`${base(owner)}/bulk`, form([...pick([theirs!, "0000"]), ["action", "delete"]]));
    expect(del.headers.get("location")).toBe(`${base(owner)}?done=bulk-deleted&n=0`);
    expect(await leads(b.tenantId)).toEqual([{ id: theirs!, name: "MARKER-B lead", owner_id: b.user.id }]);
    expect(await events(b.tenantId, "lead.updated")).toHaveLength(0);
    expect((await events(owner.tenantId, "lead.updated")).map((e) => e.target_id)).toEqual([mine!]);
    expect(await events(owner.tenantId, "lead.deleted")).toHaveLength(0);
    // B's member cannot be made the owner of A's leads either.
    const foreignOwner = await owner.client.post(`${base(owner)}/bulk`, form([...pick([mine!]), ["action", "assign"], ["owner_id", b.user.id]]));
    expect(foreignOwner.status).toBe(422);
    expect(await foreignOwner.text()).not.toContain("MARKER-B");
  });

  test("the count in the message is only ever a number, and unknown messages show nothing", async () => {
    const { owner } = await setup();
    await seedLeads(owner.tenantId, 1);
    const forged = await (await owner.client.get(`${base(owner)}?done=bulk-deleted&n=<script>`)).text();
    expect(forged).toContain("0 leads deleted.");
    expect(forged).not.toContain("<script>");
    for (const done of ["constructor", "toString", "__proto__"]) {
      const res = await owner.client.get(`${base(owner)}?done=${done}`);
      expect({ done, status: res.status }).toEqual({ done, status: 200 });
    }
  });

  test("the list with 50 selectable leads and the bulk bar stays under 15 KB compressed", async () => {
    const { owner } = await setup();
    await seedLeads(owner.tenantId, 60, (i) => ({ name: `A lead with a fairly long name number ${i}`, owner_id: owner.user.id }));
    const html = await (await owner.client.get(base(owner))).text();
    expect(html.match(/name="ids"/g)).toHaveLength(50);
    expect(Bun.gzipSync(html).length).toBeLessThan(15_000);
  });
});
