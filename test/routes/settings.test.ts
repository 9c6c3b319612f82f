import { describe, expect, test } from "bun:test";
import type { App } from "../../src/app.tsx";
import type { Role } from "../../src/domain/schema.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { addMember, createAccount, type Account } from "../support/factories.ts";

const t = useTestDatabase();
const DAY = 86_400_000;

/** An app whose clock the test moves. */
function clockedApp() {
  const clock = { now: new Date() };
  return { clock, app: testApp({ db: t.db, now: () => clock.now }) };
}

/** A workspace, and a signed-in client acting in it with `role` (the owner themself, or a second user). */
async function actingAs(app: App, role: Role) {
  const owner = await createAccount(t, app);
  if (role === "owner") return { owner, actor: owner };
  const actor = await createAccount(t, app);
  await addMember(t, owner.tenantId, actor.user.id, role);
  return { owner, actor };
}

async function tenant(id: string) {
  const [row] = await t.su<{ name: string; slug: string; time_zone: string; week_start: number; units: string; updated_at: Date }[]>`
    select name, slug, time_zone, week_start, units, updated_at from tenants where id = ${id}`;
  return row!;
}

async function redirects(id: string) {
  return [...await t.su<{ old_slug: string; expires_at: Date }[]>`select old_slug, expires_at from tenant_slug_redirects where tenant_id = ${id} order by old_slug`];
}

async function updates(id: string) {
  return [...await t.su<{ actor_id: string; target_id: string; changes: Record<string, { from: unknown; to: unknown }> }[]>`
    select actor_id, target_id, changes from audit_events where tenant_id = ${id} and action = 'workspace.updated' order by seq`];
}

/** The current settings as a form body, with some fields changed. */
async function form(a: Account, over: Record<string, string> = {}) {
  const row = await tenant(a.tenantId);
  return { name: row.name, slug: row.slug, time_zone: row.time_zone, week_start: String(row.week_start), units: row.units, ...over };
}

describe("workspace settings", () => {
  for (const role of ["owner", "admin"] as const) {
    test(`an ${role} can change each setting, one at a time, and sees a confirmation`, async () => {
      const { app } = clockedApp();
      const { owner, actor } = await actingAs(app, role);
      const steps: [string, string, unknown][] = [
        ["name", "Harbour Crews", "Harbour Crews"],
        ["time_zone", "Europe/Amsterdam", "Europe/Amsterdam"],
        ["week_start", "7", 7],
        ["units", "imperial", "imperial"],
        ["slug", `harbour-${role}`, `harbour-${role}`],
      ];
      for (const [field, value, stored] of steps) {
        const slug = (await tenant(owner.tenantId)).slug;
        const res = await actor.client.post(`/t/${slug}/settings`, await form(owner, { [field]: value }));
        expect(res.status).toBe(303);
        const now = await tenant(owner.tenantId);
        expect(res.headers.get("location")).toBe(`/t/${now.slug}/settings?saved=1`);
        expect((now as unknown as Record<string, unknown>)[field]).toBe(stored);
      }
      const page = await actor.client.get(`/t/harbour-${role}/settings?saved=1`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("Settings saved.");
      expect(html).toContain('action="/t/harbour-' + role + '/settings"');
      expect(html).toContain('value="Harbour Crews"');
      expect(html).toContain("<option selected=\"\">Europe/Amsterdam</option>");
      expect(html).toContain('<option value="7" selected="">Sunday</option>');
      expect(html).toContain('<option value="imperial" selected="">');
      // The nav shows the workspace under its new address.
      expect(html).toContain('href="/t/harbour-' + role + '/members"');
      expect((await updates(owner.tenantId)).length).toBe(5);
    });
  }

  for (const role of ["member", "viewer", "privacy"] as const) {
    test(`a ${role} sees the settings read-only and gets 403 when posting a change`, async () => {
      const { app } = clockedApp();
      const { owner, actor } = await actingAs(app, role);
      const before = await tenant(owner.tenantId);
      const res = await actor.client.get(`/t/${owner.slug}/settings`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(before.name);
      expect(html).toContain(`/t/${before.slug}`);
      expect(html).toContain("UTC");
      expect(html).toContain("Monday");
      expect(html).toContain("Metric");
      expect(html).toContain("Only owners and admins can change these settings.");
      expect(html).not.toContain("<select");
      expect(html).not.toContain(`action="/t/${owner.slug}/settings"`);

      const post = await actor.client.post(`/t/${owner.slug}/settings`, await form(owner, { name: "Taken over", slug: `takeover-${role}` }));
      expect(post.status).toBe(403);
      // Even a body that would fail validation is refused for the role, not the input.
      expect((await actor.client.post(`/t/${owner.slug}/settings`, { week_start: "9" })).status).toBe(403);
      expect(await tenant(owner.tenantId)).toEqual(before);
      expect(await redirects(owner.tenantId)).toEqual([]);
      expect(await updates(owner.tenantId)).toEqual([]);
    });
  }

  test("P10 a settings change is audited with before and after", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app, { workspace: "Old Name" });
    const res = await owner.client.post(`/t/${owner.slug}/settings`, await form(owner, { name: "New Name", units: "imperial", week_start: "1" }));
    expect(res.status).toBe(303);
    const [event, ...more] = await updates(owner.tenantId);
    expect(more).toEqual([]);
    expect(event!.actor_id).toBe(owner.user.id);
    expect(event!.target_id).toBe(owner.tenantId);
    // Only what changed: week_start was sent unchanged.
    expect(event!.changes).toEqual({ name: { from: "Old Name", to: "New Name" }, units: { from: "metric", to: "imperial" } });

    // Saving without a change records nothing.
    expect((await owner.client.post(`/t/${owner.slug}/settings`, await form(owner))).status).toBe(303);
    expect((await updates(owner.tenantId)).length).toBe(1);
  });

  test("a new address redirects members from the old one for 30 days, then the old one is gone", async () => {
    const { app, clock } = clockedApp();
    const owner = await createAccount(t, app, { slug: "old-address" });
    const outsider = await createAccount(t, app);
    const start = clock.now;

    const res = await owner.client.post("/t/old-address/settings", await form(owner, { slug: "new-address" }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/t/new-address/settings?saved=1");
    const [redirect] = await redirects(owner.tenantId);
    expect(redirect!.old_slug).toBe("old-address");
    expect(redirect!.expires_at.getTime()).toBe(start.getTime() + 30 * DAY);
    expect((await updates(owner.tenantId))[0]!.changes).toEqual({ slug: { from: "old-address", to: "new-address" } });

    const moved = await owner.client.get("/t/old-address/settings?saved=1");
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe("/t/new-address/settings?saved=1");
    // Only reads are redirected: a form posted to the old address does not silently land elsewhere.
    expect((await owner.client.post("/t/old-address/settings", await form(owner))).status).toBe(404);

    // Someone outside the workspace learns nothing: the old address is a plain 404, not the new one.
    const peek = await outsider.client.get("/t/old-address/settings");
    expect(peek.status).toBe(404);
    expect(peek.headers.get("location")).toBeNull();
    expect(await peek.text()).not.toContain("new-address");
    // And cannot take the old address while it still redirects.
    const grab = await outsider.client.post(`/t/${outsider.slug}/settings`, await form(outsider, { slug: "old-address" }));
    expect(grab.status).toBe(422);
    expect(await grab.text()).toContain("This address is taken");

    // Day 20: using the app keeps the session alive (it slides), so day 30 tests the redirect, not the session.
    clock.now = new Date(start.getTime() + 20 * DAY);
    expect((await owner.client.get("/t/new-address/settings")).status).toBe(200);
    expect((await outsider.client.get(`/t/${outsider.slug}/settings`)).status).toBe(200);
    clock.now = new Date(start.getTime() + 30 * DAY - 1000);
    expect((await owner.client.get("/t/old-address/settings")).status).toBe(301);
    clock.now = new Date(start.getTime() + 30 * DAY);
    expect((await owner.client.get("/t/old-address/settings")).status).toBe(404);
    expect((await owner.client.get("/t/new-address/settings")).status).toBe(200);

    // Once expired, the address is free for anyone.
    const took = await outsider.client.post(`/t/${outsider.slug}/settings`, await form(outsider, { slug: "old-address" }));
    expect(took.status).toBe(303);
    expect((await tenant(outsider.tenantId)).slug).toBe("old-address");
    // That workspace can later move on again, although the first one's expired redirect row is still there.
    clock.now = new Date(start.getTime() + 31 * DAY);
    const again = await outsider.client.post("/t/old-address/settings", await form(outsider, { slug: "third-address" }));
    expect(again.status).toBe(303);
    expect((await tenant(outsider.tenantId)).slug).toBe("third-address");
  });

  test("renaming back to an address the workspace had within 30 days works and drops that redirect", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app, { slug: "first-home" });
    expect((await owner.client.post("/t/first-home/settings", await form(owner, { slug: "second-home" }))).status).toBe(303);
    const back = await owner.client.post("/t/second-home/settings", await form(owner, { slug: "first-home" }));
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/t/first-home/settings?saved=1");
    expect((await redirects(owner.tenantId)).map((r) => r.old_slug)).toEqual(["second-home"]);
    expect((await owner.client.get("/t/first-home/settings")).status).toBe(200);
    expect((await owner.client.get("/t/second-home/settings")).headers.get("location")).toBe("/t/first-home/settings");
  });

  const invalid: [string, Record<string, string>, string][] = [
    ["a time zone that does not exist", { time_zone: "Mars/Olympus_Mons" }, "Choose a time zone from the list."],
    ["week_start 9", { week_start: "9" }, "Choose a day of the week."],
    ["units that are neither metric nor imperial", { units: "cubits" }, "Choose metric or imperial."],
    ["the reserved slug admin", { slug: "admin" }, "This address is reserved. Choose another."],
    ["a slug with an underscore", { slug: "no_underscores" }, "Use only lowercase letters, digits and hyphens."],
    ["a slug taken by another workspace", { slug: "someone-elses" }, "This address is taken. Choose another."],
    ["a name over 120 characters", { name: "n".repeat(121) }, "Use at most 120 characters."],
    ["an empty name", { name: "   " }, "Give the workspace a name."],
  ];
  for (const [what, over, message] of invalid) {
    test(`${what} is refused with 422 and its message, and nothing is saved`, async () => {
      const { app } = clockedApp();
      const owner = await createAccount(t, app);
      if (over.slug === "someone-elses") await createAccount(t, app, { slug: "someone-elses" });
      const before = await tenant(owner.tenantId);
      // A valid change travels with the bad field, and must not be saved either.
      const body = await form(owner, { units: "imperial", name: "Half Saved?", ...over });
      const res = await owner.client.post(`/t/${owner.slug}/settings`, body);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain('aria-invalid="true"');
      expect(html).toContain(`action="/t/${owner.slug}/settings"`);
      // A rejected zone is not offered back as a choice; the stored one stays selected.
      if (over.time_zone) expect(html).not.toContain(over.time_zone);
      expect(html).toContain(`<option selected="">${before.time_zone}</option>`);
      expect(await tenant(owner.tenantId)).toEqual(before);
      expect(await redirects(owner.tenantId)).toEqual([]);
      expect(await updates(owner.tenantId)).toEqual([]);
    });
  }

  test("an empty or garbled body gets a message for every field, never a 500", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app);
    const empty = await owner.client.post(`/t/${owner.slug}/settings`, {});
    expect(empty.status).toBe(422);
    const html = await empty.text();
    for (const m of ["Give the workspace a name.", "Use at least 3 characters.", "Choose a time zone from the list.", "Choose a day of the week.", "Choose metric or imperial."]) {
      expect(html).toContain(m);
    }
    const json = await owner.client.request("POST", `/t/${owner.slug}/settings`, { json: { name: ["x"], week_start: { a: 1 } } });
    expect(json.status).toBe(422);
  });

  test("two workspaces racing for one address: the loser gets the same field error, nothing half-saved", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app);
    const before = await tenant(owner.tenantId);
    // Another workspace claims "contested" in a transaction that has not committed yet: the availability check
    // cannot see it, so the rename reaches the unique index and waits there.
    let commit!: () => void;
    const held = new Promise<void>((r) => (commit = r));
    const rival = t.su.begin(async (sql) => {
      await sql`insert into tenants (id, name, slug, created_at, updated_at) values (${Bun.randomUUIDv7()}, 'Rival', 'contested', now(), now())`;
      await held;
    });
    const pending = owner.client.post(`/t/${owner.slug}/settings`, await form(owner, { slug: "contested", name: "Racer" }));
    let waited = false;
    for (let i = 0; i < 500 && !waited; i++) {
      const [w] = await t.su<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`;
      waited = w!.n > 0;
      if (!waited) await Bun.sleep(10);
    }
    commit();
    expect(waited).toBe(true);
    await rival;
    const res = await pending;
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("This address is taken. Choose another.");
    expect(await tenant(owner.tenantId)).toEqual(before);
    expect(await redirects(owner.tenantId)).toEqual([]);
    expect(await updates(owner.tenantId)).toEqual([]);
  });

  test("P09 a member of another workspace gets 404 for these settings", async () => {
    const { app } = clockedApp();
    const a = await createAccount(t, app, { workspace: "Marker Workspace A" });
    const b = await createAccount(t, app);
    const before = await tenant(a.tenantId);
    const read = await b.client.get(`/t/${a.slug}/settings`);
    expect(read.status).toBe(404);
    expect(await read.text()).not.toContain("Marker Workspace A");
    const write = await b.client.post(`/t/${a.slug}/settings`, await form(a, { name: "Hijacked", slug: "hijacked" }));
    expect(write.status).toBe(404);
    expect(await write.text()).not.toContain("Marker Workspace A");
    expect(await tenant(a.tenantId)).toEqual(before);
    expect(await updates(a.tenantId)).toEqual([]);
  });

  test("markup in the workspace name is shown as text", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app);
    await owner.client.post(`/t/${owner.slug}/settings`, await form(owner, { name: `<img src=x onerror=alert(1)>` }));
    const html = await (await owner.client.get(`/t/${owner.slug}/settings`)).text();
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  test("the settings page with every time zone fits the 15 KB compressed HTML budget", async () => {
    const { app } = clockedApp();
    const owner = await createAccount(t, app);
    const raw = await owner.client.get(`/t/${owner.slug}/settings`);
    const rawBytes = (await raw.arrayBuffer()).byteLength;
    const br = await owner.client.get(`/t/${owner.slug}/settings`, { "accept-encoding": "br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    const brBytes = (await br.arrayBuffer()).byteLength;
    const gz = await owner.client.get(`/t/${owner.slug}/settings`, { "accept-encoding": "gzip" });
    const gzBytes = (await gz.arrayBuffer()).byteLength;
    console.log(`settings page: ${rawBytes} B raw, ${gzBytes} B gzip, ${brBytes} B brotli`);
    expect(brBytes).toBeLessThan(15 * 1024);
  });
});
