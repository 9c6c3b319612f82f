import { describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, PASSWORD } from "../../support/factories.ts";
import { api, createKey, json } from "./support.ts";

const t = useTestDatabase();

async function setup() {
  const app = testApp({ db: t.db, env: { API_JWT_SECRET: "x".repeat(40) } });
  const owner = await createAccount(t, app);
  const key = await createKey(owner);
  // Custom field definitions need an admin's rights: a user token of the owner.
  const tok = await json(await api(app, null, "POST", "/auth/token", { grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug }));
  return { app, owner, key, admin: tok.access_token as string };
}

describe("REST API: the other CRM resources", () => {
  test("leads: create, list with a status filter, patch, delete", async () => {
    const { app, key } = await setup();
    const a = await json(await api(app, key, "POST", "/leads", { name: "Lead One", email: "one@example.com", source: "web" }));
    expect(a).toMatchObject({ name: "Lead One", email: "one@example.com", status: "new" });
    await api(app, key, "POST", "/leads", { name: "Lead Two", status: "qualified" });
    const q = await json(await api(app, key, "GET", "/leads?status=qualified"));
    expect(q.data.map((r: { name: string }) => r.name)).toEqual(["Lead Two"]);
    const p = await json(await api(app, key, "PATCH", `/leads/${a.id}`, { status: "contacted" }));
    expect(p).toMatchObject({ name: "Lead One", email: "one@example.com", source: "web", status: "contacted" });
    const bad = await api(app, key, "PATCH", `/leads/${a.id}`, { email: "nope" });
    expect(bad.status).toBe(422);
    expect((await json(bad)).errors[0].field).toBe("email");
    const pages = [];
    let cursor: string | null = null;
    do {
      const page: { data: unknown[]; next_cursor: string | null } = await json(await api(app, key, "GET", `/leads?limit=1${cursor ? `&cursor=${cursor}` : ""}`));
      pages.push(page.data.length);
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual([1, 1]);
    expect((await api(app, key, "DELETE", `/leads/${a.id}`)).status).toBe(204);
  });

  test("pipelines and deals: a pipeline with stages, a deal in it with contacts, stage edits, custom field filters", async () => {
    const { app, key, admin } = await setup();
    const pl = await api(app, key, "POST", "/pipelines", { name: "Partners", stages: ["Intro, 10", "Signed, 90"] });
    expect(pl.status).toBe(201);
    const pipeline = await json(pl);
    expect(pipeline.stages.map((s: { name: string; probability: number }) => [s.name, s.probability])).toEqual([["Intro", 10], ["Signed", 90]]);
    const renamed = await json(await api(app, key, "PATCH", `/pipelines/${pipeline.id}`, { stages: [{ id: pipeline.stages[0].id, name: "First call" }] }));
    expect(renamed.name).toBe("Partners");
    expect(renamed.stages[0].name).toBe("First call");
    const field = await api(app, admin, "POST", "/custom-field-definitions", { object: "deal", label: "Region", type: "select", options: ["North", "South"] });
    expect(field.status).toBe(201);
    const def = await json(field);
    expect(def).toMatchObject({ key: "region", type: "select", options: ["North", "South"], required: false });
    expect((await api(app, key, "POST", "/custom-field-definitions", { object: "deal", label: "X", type: "text" })).status).toBe(403);
    const contact = await json(await api(app, key, "POST", "/contacts", { first_name: "Ann" }));
    const d = await api(app, key, "POST", "/deals", { title: "Big one", amount: "1250.50", currency: "EUR", pipeline_id: pipeline.id, stage_id: pipeline.stages[0].id, contact_ids: [contact.id], custom: { region: "North" } });
    expect(d.status).toBe(201);
    const deal = await json(d);
    expect(deal).toMatchObject({ title: "Big one", amount_minor: "125050", currency: "EUR", status: "open", custom: { region: "North" } });
    expect(deal.contacts.map((c: { id: string }) => c.id)).toEqual([contact.id]);
    await api(app, key, "POST", "/deals", { title: "Small one", amount: "5", currency: "EUR", pipeline_id: pipeline.id, stage_id: pipeline.stages[0].id, custom: { region: "South" } });
    const north = await json(await api(app, key, "GET", `/deals?cf_region=North&pipeline_id=${pipeline.id}`));
    expect(north.data.map((r: { title: string }) => r.title)).toEqual(["Big one"]);
    const badCustom = await api(app, key, "POST", "/deals", { title: "Bad", currency: "EUR", pipeline_id: pipeline.id, stage_id: pipeline.stages[0].id, custom: { region: "West" } });
    expect(badCustom.status).toBe(422);
    expect((await json(badCustom)).errors).toEqual([{ field: "custom.region", message: "Choose one of the options listed." }]);
    const moved = await json(await api(app, key, "PATCH", `/deals/${deal.id}`, { stage_id: pipeline.stages[1].id }));
    expect(moved).toMatchObject({ stage_id: pipeline.stages[1].id, amount_minor: "125050", custom: { region: "North" } });
    expect(moved.contacts.length).toBe(1);
    const defs = await json(await api(app, key, "GET", "/custom-field-definitions"));
    expect(defs.data.map((x: { key: string }) => x.key)).toEqual(["region"]);
    expect((await api(app, admin, "PATCH", `/custom-field-definitions/${def.id}`, { label: "Area" })).status).toBe(200);
    const withStage = await api(app, key, "POST", `/pipelines/${pipeline.id}/stages`, { name: "Lost cause", probability: 0 });
    expect(withStage.status).toBe(201);
    const third = (await json(withStage)).stages.at(-1);
    expect(third).toMatchObject({ name: "Lost cause", probability: 0, position: 2 });
    const badStage = await api(app, key, "POST", `/pipelines/${pipeline.id}/stages`, { name: "", probability: 101 });
    expect((await json(badStage)).errors.map((e: { field: string }) => e.field).sort()).toEqual(["name", "probability"]);
    expect((await api(app, key, "DELETE", `/pipelines/${pipeline.id}/stages/${pipeline.stages[1].id}`)).status).toBe(409);
    expect((await api(app, key, "DELETE", `/pipelines/${pipeline.id}/stages/${third.id}`)).status).toBe(204);
    const inUse = await api(app, key, "DELETE", `/pipelines/${pipeline.id}`);
    expect(inUse.status).toBe(409);
    expect((await json(inUse)).detail).toContain("still holds 2 deals");
    expect((await api(app, key, "DELETE", `/deals/${deal.id}`)).status).toBe(204);
    const empty = await json(await api(app, key, "POST", "/pipelines", { name: "Empty", stages: ["Only, 50"] }));
    expect((await api(app, key, "DELETE", `/pipelines/${empty.id}`)).status).toBe(204);
    expect((await api(app, key, "GET", `/pipelines/${empty.id}`)).status).toBe(404);
    expect((await api(app, admin, "DELETE", `/custom-field-definitions/${def.id}`)).status).toBe(204);
  });

  test("activities, notes and tasks hang off one record; lists filter by it; a task is ticked done by PATCH", async () => {
    const { app, key } = await setup();
    const c = await json(await api(app, key, "POST", "/contacts", { first_name: "Bea" }));
    const other = await json(await api(app, key, "POST", "/contacts", { first_name: "Cy" }));
    const note = await api(app, key, "POST", "/notes", { contact_id: c.id, body: "Called back" });
    expect(note.status).toBe(201);
    const n = await json(note);
    expect(n).toMatchObject({ body: "Called back", contact_id: c.id, company_id: null });
    await api(app, key, "POST", "/notes", { contact_id: other.id, body: "Other" });
    expect((await api(app, key, "POST", "/notes", { body: "Nowhere" })).status).toBe(422);
    expect((await api(app, key, "POST", "/notes", { contact_id: c.id, deal_id: c.id, body: "Two" })).status).toBe(422);
    const list = await json(await api(app, key, "GET", `/notes?contact_id=${c.id}`));
    expect(list.data.map((n: { body: string }) => n.body)).toEqual(["Called back"]);
    const act = await api(app, key, "POST", "/activities", { contact_id: c.id, kind: "call", occurred_at: "2026-03-02T10:30", duration_minutes: 15 });
    expect(act.status).toBe(201);
    const activity = await json(act);
    expect(activity).toMatchObject({ kind: "call", duration_minutes: 15 });
    // A PATCH keeps the fields it does not name: occurred_at goes through the workspace's wall clock and back.
    const changed = await json(await api(app, key, "PATCH", `/activities/${activity.id}`, { outcome: "Voicemail" }));
    expect(changed).toMatchObject({ kind: "call", duration_minutes: 15, outcome: "Voicemail", occurred_at: activity.occurred_at });
    const task = await json(await api(app, key, "POST", "/tasks", { contact_id: c.id, title: "Send offer", due_on: "2026-03-09" }));
    expect(task).toMatchObject({ title: "Send offer", due_on: "2026-03-09", done_at: null });
    const done = await json(await api(app, key, "PATCH", `/tasks/${task.id}`, { done: true }));
    expect(done.done_at).not.toBeNull();
    const open = await json(await api(app, key, "GET", "/tasks?done=false"));
    expect(open.data.length).toBe(0);
    const listed = await json(await api(app, key, "GET", "/tasks?done=true"));
    expect(listed.data[0].due_on).toBe("2026-03-09");
    const retitled = await json(await api(app, key, "PATCH", `/tasks/${task.id}`, { title: "Send the offer" }));
    expect(retitled).toMatchObject({ title: "Send the offer", due_on: "2026-03-09" });
    expect(retitled.done_at).not.toBeNull();
    expect(await json(await api(app, key, "PATCH", `/notes/${n.id}`, { body: "Called back twice" }))).toMatchObject({ body: "Called back twice", contact_id: c.id });
    expect((await api(app, key, "PATCH", `/notes/${n.id}`, { body: "" })).status).toBe(422);
    expect((await api(app, key, "DELETE", `/tasks/${task.id}`)).status).toBe(204);
    expect((await api(app, key, "GET", `/tasks/${task.id}`)).status).toBe(404);
  });
});
