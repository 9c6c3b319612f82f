import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.tsx";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, memberOf, PASSWORD, type Account } from "../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../support/jobs.ts";
import { createTaskList } from "../../src/jobs/index.ts";

const t = useTestDatabase();
// Starts at the real time (the factories' sessions do); tests move it forward instead of sleeping.
let clock = new Date();
let app: App;
beforeAll(() => {
  app = testApp({ db: t.db, now: () => clock });
});
const DAY = 86_400_000;
const later = (days: number) => (clock = new Date(clock.getTime() + days * DAY));
const ymd = (d: Date) => d.toISOString().slice(0, 10);

async function tenant(id: string) {
  const [row] = await t.su<{ status: string; cancelled_at: Date | null; suspended_at: Date | null; purge_after: Date | null }[]>`
    select status, cancelled_at, suspended_at, purge_after from tenants where id = ${id}`;
  return row!;
}

async function auditActions(tenantId: string, prefix = "workspace.") {
  const rows = await t.su<{ action: string; actor_id: string | null; changes: Record<string, unknown> | null }[]>`
    select action, actor_id, changes from audit_events where tenant_id = ${tenantId} and action like ${`${prefix}%`} order by seq`;
  return rows;
}

/** One run of the daily job, alone: the purge it queues is the purge's own business (test/…/workspace-purge). */
async function runLifecycleJob() {
  const deps = jobDeps(t, { now: () => clock });
  await t.su`select graphile_worker.add_job('workspace-lifecycle', '{}'::json)`;
  await runDueJobs(t, deps, { "workspace-lifecycle": createTaskList(deps)["workspace-lifecycle"]! });
}

async function cancel(owner: Account, password = PASSWORD) {
  return owner.client.post(`/t/${owner.slug}/cancellation`, { password });
}

describe("workspace cancellation (P16)", () => {
  test("P16 an owner cancels with their password: read-only at once, purge date 30 days on, audited, every member emailed the date", async () => {
    const owner = await createAccount(t, app, { workspace: "Acme Cancel" });
    const member = await memberOf(t, app, owner, "member");
    const page = await owner.client.get(`/t/${owner.slug}/settings`);
    const html = await page.text();
    expect(html).toContain(`/t/${owner.slug}/cancellation`);
    expect((await owner.client.get(`/t/${owner.slug}/cancellation`)).status).toBe(200);

    const res = await cancel(owner);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}/settings?done=cancelled`);
    const row = await tenant(owner.tenantId);
    expect(row.status).toBe("cancelled");
    expect(row.cancelled_at!.getTime()).toBe(clock.getTime());
    expect(row.purge_after!.getTime()).toBe(clock.getTime() + 30 * DAY);

    const events = await auditActions(owner.tenantId);
    expect(events.map((e) => e.action)).toContain("workspace.cancelled");
    expect(events.find((e) => e.action === "workspace.cancelled")!.actor_id).toBe(owner.user.id);

    const mail = await t.su<{ to_address: string; subject: string; text_body: string }[]>`
      select to_address, subject, text_body from emails where subject like ${"Acme Cancel was cancelled%"} order by to_address`;
    expect(mail.map((m) => m.to_address).sort()).toEqual([owner.user.email, member.user.email].sort());
    for (const m of mail) expect(m.text_body).toContain(ymd(row.purge_after!));
  });

  test("P16 a wrong or missing password is refused with 422 and the form, and nothing changes", async () => {
    const owner = await createAccount(t, app);
    const wrong = await cancel(owner, "not the password at all");
    expect(wrong.status).toBe(422);
    const html = await wrong.text();
    expect(html).toContain("That password is not right.");
    expect(html).toContain(`action="/t/${owner.slug}/cancellation"`);
    expect((await cancel(owner, "")).status).toBe(422);
    expect((await tenant(owner.tenantId)).status).toBe("active");
    expect((await auditActions(owner.tenantId, "workspace.cancelled")).length).toBe(0);
  });

  for (const role of ["admin", "member", "viewer", "privacy"] as const) {
    test(`P16 only owners cancel or reactivate: ${role === "admin" ? "an" : "a"} ${role} gets 403 and the workspace is unchanged`, async () => {
      const owner = await createAccount(t, app);
      const other = await memberOf(t, app, owner, role);
      expect((await other.client.get(`/t/${owner.slug}/cancellation`)).status).toBe(403);
      expect((await other.client.post(`/t/${owner.slug}/cancellation`, { password: PASSWORD })).status).toBe(403);
      expect((await tenant(owner.tenantId)).status).toBe("active");
      expect(await cancel(owner).then((r) => r.status)).toBe(303);
      expect((await other.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD })).status).toBe(403);
      expect((await tenant(owner.tenantId)).status).toBe("cancelled");
      // Settings shows no cancel or reactivate section to them.
      expect(await (await other.client.get(`/t/${owner.slug}/settings`)).text()).not.toContain(`/t/${owner.slug}/reactivation"`);
    });
  }

  test("P16 a cancelled workspace is read-only: writes get 403 with the dates, reads work with a banner on every page", async () => {
    const owner = await createAccount(t, app);
    const member = await memberOf(t, app, owner, "member");
    const made = await member.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Before", last_name: "Cancel" });
    expect(made.status).toBe(303);
    expect((await cancel(owner)).status).toBe(303);
    const { cancelled_at, purge_after } = await tenant(owner.tenantId);
    const notice = `This workspace was cancelled on ${ymd(cancelled_at!)}; it will be deleted on ${ymd(purge_after!)}. An owner can reactivate it until then.`;

    for (const path of ["", "/crm/contacts", "/settings", "/members", "/capacity"]) {
      const res = await member.client.get(`/t/${owner.slug}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(await res.text()).toContain(notice);
    }
    const writes: [string, string, Record<string, string>][] = [
      ["POST", "/crm/contacts", { first_name: "After", last_name: "Cancel" }],
      ["POST", "/settings", { name: "Renamed", slug: owner.slug, time_zone: "UTC", week_start: "1", units: "metric" }],
      ["POST", "/members/invitations", { email: "new@example.com", role: "member" }],
      ["PUT", "/crm/contacts", {}],
      ["PATCH", "/crm/contacts", {}],
      ["DELETE", "/crm/contacts", {}],
    ];
    for (const [method, path, body] of writes) {
      for (const who of [owner, member]) {
        const res = await who.client.request(method, `/t/${owner.slug}${path}`, { body });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
        expect(await res.text()).toContain(notice);
      }
    }
    // htmx gets the message as a fragment.
    const frag = await member.client.htmx("POST", `/t/${owner.slug}/crm/contacts`, { first_name: "X" });
    expect(frag.status).toBe(403);
    const fragment = await frag.text();
    expect(fragment).toContain(notice);
    expect(fragment).not.toContain("<html");
    const [n] = await t.su<{ n: number }[]>`select count(*)::int as n from contacts where tenant_id = ${owner.tenantId}`;
    expect(n!.n).toBe(1);
    const [named] = await t.su<{ name: string }[]>`select name from tenants where id = ${owner.tenantId}`;
    expect(named!.name).not.toBe("Renamed");
  });

  test("P16 while cancelled, members may still leave and export the workspace", async () => {
    const owner = await createAccount(t, app);
    const member = await memberOf(t, app, owner, "member");
    expect((await cancel(owner)).status).toBe(303);
    const exp = await owner.client.post(`/t/${owner.slug}/exports`, {});
    expect(exp.status).toBeLessThan(400);
    const leave = await member.client.post(`/t/${owner.slug}/members/${member.user.id}/removal`, {});
    expect(leave.status).toBe(303);
    const [m] = await t.su<{ n: number }[]>`select count(*)::int as n from memberships where tenant_id = ${owner.tenantId} and user_id = ${member.user.id}`;
    expect(m!.n).toBe(0);
  });

  test("P16 an invitation sent before the cancellation can no longer be accepted while the workspace is cancelled", async () => {
    const owner = await createAccount(t, app);
    const invitee = await createAccount(t, app, { email: "late-joiner@example.com" });
    expect((await owner.client.post(`/t/${owner.slug}/members/invitations`, { email: "late-joiner@example.com", role: "member" })).status).toBe(303);
    const [mail] = await t.su<{ text_body: string }[]>`select text_body from emails where to_address = 'late-joiner@example.com' and idempotency_key like 'invite:%'`;
    const token = mail!.text_body.match(/\/invitations\/([a-z2-7]+)/)![1]!;
    expect((await cancel(owner)).status).toBe(303);
    await invitee.client.post(`/invitations/${token}`, {});
    const [m] = await t.su<{ n: number }[]>`select count(*)::int as n from memberships where tenant_id = ${owner.tenantId} and user_id = ${invitee.user.id}`;
    expect(m!.n).toBe(0);
    expect((await invitee.client.get(`/t/${owner.slug}`)).status).toBe(404);
  });

  test("P16 an owner reactivates within 30 days with their password: active again, writable, no banner, audited", async () => {
    const owner = await createAccount(t, app);
    expect((await cancel(owner)).status).toBe(303);
    const settings = await (await owner.client.get(`/t/${owner.slug}/settings`)).text();
    expect(settings).toContain(`/t/${owner.slug}/reactivation`);
    later(29);
    expect((await owner.client.get(`/t/${owner.slug}/reactivation`)).status).toBe(200);
    const wrong = await owner.client.post(`/t/${owner.slug}/reactivation`, { password: "wrong password here" });
    expect(wrong.status).toBe(422);
    expect((await tenant(owner.tenantId)).status).toBe("cancelled");
    const res = await owner.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/t/${owner.slug}/settings?done=reactivated`);
    expect(await tenant(owner.tenantId)).toEqual({ status: "active", cancelled_at: null, suspended_at: null, purge_after: null });
    const home = await (await owner.client.get(`/t/${owner.slug}/crm/contacts`)).text();
    expect(home).not.toContain("This workspace was cancelled");
    expect((await owner.client.post(`/t/${owner.slug}/crm/contacts`, { first_name: "Back" })).status).toBe(303);
    const events = await auditActions(owner.tenantId);
    expect(events.map((e) => e.action)).toEqual(["workspace.created", "workspace.cancelled", "workspace.reactivated"]);
    expect(events[2]!.actor_id).toBe(owner.user.id);
    expect(events[2]!.changes).toEqual({ status: { from: "cancelled", to: "active" } });
  });

  test("P16 after 30 days reactivation is refused and the daily lifecycle job marks the workspace purging and queues its purge", async () => {
    const owner = await createAccount(t, app);
    const other = await createAccount(t, app);
    expect((await cancel(owner)).status).toBe(303);
    const { purge_after } = await tenant(owner.tenantId);
    // Day 29: nothing happens yet (and the session is renewed, as any activity in its second half does).
    later(29);
    expect((await owner.client.get(`/t/${owner.slug}/settings`)).status).toBe(200);
    await runLifecycleJob();
    expect((await tenant(owner.tenantId)).status).toBe("cancelled");

    clock = new Date(purge_after!.getTime() + 1000);
    const late = await owner.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain("The 30 days are over");

    await runLifecycleJob();
    expect((await tenant(owner.tenantId)).status).toBe("purging");
    expect((await tenant(other.tenantId)).status).toBe("active");
    // (Workspaces cancelled by the tests above are past their date too; this one's job is what counts here.)
    const purges = (await queuedJobs(t)).filter((j) => j.task === "workspace-purge" && (j.payload as { tenantId: string }).tenantId === owner.tenantId);
    expect(purges.map((j) => [j.key, j.payload])).toEqual([[`workspace-purge:${owner.tenantId}`, expect.objectContaining({ tenantId: owner.tenantId, reason: "cancelled" })]]);
    // A second run changes nothing: the workspace is no longer waiting, and the job is keyed.
    await runLifecycleJob();
    expect((await queuedJobs(t)).filter((j) => j.key === `workspace-purge:${owner.tenantId}`).length).toBe(1);
    expect((await auditActions(owner.tenantId, "workspace.purge")).length).toBe(1);
    const events = await auditActions(owner.tenantId, "workspace.purge");
    expect(events.map((e) => e.changes)).toEqual([{ status: { from: "cancelled", to: "purging" }, reason: "cancelled" }]);
    // While the purge runs the workspace says so, and nothing can be written.
    const page = await owner.client.get(`/t/${owner.slug}`);
    expect(await page.text()).toContain("This workspace is being deleted.");
    expect((await owner.client.post(`/t/${owner.slug}/reactivation`, { password: PASSWORD })).status).toBe(403);
  });
});
