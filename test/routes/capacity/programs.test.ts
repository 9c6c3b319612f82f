import { beforeAll, describe, expect, test } from "bun:test";
import { getProgram } from "../../../src/domain/capacity/programs.ts";
import { systemCtx } from "../../../src/domain/context.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { programForm } from "./program-form.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;

const base = (a: Account = owner) => `/t/${a.slug}/capacity`;
const location = (res: Response) => res.headers.get("location") ?? "";
const idFrom = (res: Response) => /\/programs\/([0-9a-f-]{36})$/.exec(location(res))?.[1] ?? "";

const auditRows = (tenantId: string, action: string) => t.su<{ actor_id: string | null; target_id: string; changes: Record<string, any> | null }[]>`
  select actor_id, target_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;
const programCount = async (tenantId: string) => (await t.su`select count(*)::int as n from capacity_programs where tenant_id = ${tenantId}`)[0]!.n as number;
const ctxOf = (a: Account) => ({ ...systemCtx(t.db.app, new Date(), a.tenantId), actor: { type: "user" as const, id: a.user.id, role: "owner" as const } });

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
});

describe("capacity programs", () => {
  test("creating a program redirects (303) to its page and stores goals as fractions, hours as minutes and shrinkage by category", async () => {
    const res = await member.client.post(`${base()}/programs`, programForm({ name: "Billing line", max_abandon_rate: "5", patience_seconds: "90", sl_target: "90", sl_seconds: "15", asa_goal_seconds: "30" }));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    expect(location(res)).toBe(`${base()}/programs/${id}`);
    const p = await getProgram(ctxOf(owner), id);
    expect(p).toMatchObject({
      name: "Billing line", channel: "voice", intervalMinutes: 15, slTarget: 0.9, slSeconds: 15, asaGoalSeconds: 30, maxOccupancy: 0.85, patienceSeconds: 90,
      maxAbandonRate: 0.05, defaultAhtSeconds: 300, shrinkageTotal: 17.5,
      shrinkage: [{ name: "Breaks", percent: 12.5 }, { name: "Training", percent: 5 }],
    });
    expect(p.openingHours).toEqual({ "1": { open: 480, close: 1080 }, "2": { open: 480, close: 1080 }, "3": { open: 480, close: 1080 }, "4": { open: 480, close: 1080 }, "5": { open: 480, close: 1080 }, "6": null, "7": null });
    const page = await (await viewer.client.get(location(res))).text();
    expect(page).toContain("90 % answered in 15 seconds");
    expect(page).toContain("Total: 17.5 %");
    expect(page).toContain('<section id="planning"');
  });

  test("bad input re-renders the form with a message on each field (422) and saves nothing", async () => {
    const before = await programCount(owner.tenantId);
    const res = await owner.client.post(
      `${base()}/programs`,
      programForm({ interval_minutes: "20", sl_target: "120", default_aht_seconds: "0", open_1: "18:00", close_1: "08:00", open_2: "8am", shrinkage_percent_1: "95", max_occupancy: "-5" }),
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Choose 15, 30 or 60 minutes.");
    expect(html).toContain("The service-level goal must be between 1 and 100 %.");
    expect(html).toContain("The AHT must be at least 1.");
    expect(html).toContain("The closing time must be after the opening time.");
    expect(html).toContain("Enter a time as HH:MM, e.g. 08:00.");
    expect(html).toContain("Shrinkage adds up to 100 %; it must stay below 100 %.");
    expect(html).toContain("The maximum occupancy must be between 1 and 100 %.");
    expect(html).toContain('value="95"');
    expect(await programCount(owner.tenantId)).toBe(before);
  });

  test("opening hours must sit on the interval grid, and an abandon cap needs a patience", async () => {
    const res = await owner.client.post(`${base()}/programs`, programForm({ interval_minutes: "60", open_3: "08:30", max_abandon_rate: "5" }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Times must fall on the 60-minute interval grid (e.g. 08:00).");
    expect(html).toContain("Set a patience (Erlang A) to use a maximum abandon rate.");
  });

  test("a name already used in the workspace, in any case, is a field message, not a 500", async () => {
    expect((await owner.client.post(`${base()}/programs`, programForm({ name: "Sales Queue" }))).status).toBe(303);
    const res = await owner.client.post(`${base()}/programs`, programForm({ name: "sales queue" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Another program in this workspace already has this name.");
  });

  test("P10 editing a program saves, redirects and audits only what changed, before and after", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "Edit me" })));
    const edit = await owner.client.get(`${base()}/programs/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(await edit.text()).toContain('value="12.5"');
    const res = await member.client.post(`${base()}/programs/${id}`, programForm({ name: "Edited", sl_target: "85", close_5: "17:00" }));
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}/programs/${id}`);
    const [event] = (await auditRows(owner.tenantId, "program.updated")).filter((e) => e.target_id === id);
    expect(event!.actor_id).toBe(member.user.id);
    expect(Object.keys(event!.changes!).sort()).toEqual(["name", "opening_hours", "sl_target"]);
    expect(event!.changes!.sl_target).toEqual({ from: 0.8, to: 0.85 });
    const [created] = (await auditRows(owner.tenantId, "program.created")).filter((e) => e.target_id === id);
    expect(created!.changes!.name).toBe("Edit me");
  });

  test("a program with history keeps its interval length: changing it is a field message", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm()));
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered) values (${owner.tenantId}, ${id}, '2025-01-06', 480, 10)`;
    const res = await owner.client.post(`${base()}/programs/${id}`, programForm({ interval_minutes: "30" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("its interval can&#39;t change");
  });

  test("P10 deleting a program removes its history with it and is audited", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "Doomed" })));
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered) values (${owner.tenantId}, ${id}, '2025-01-06', 480, 10)`;
    const res = await owner.client.post(`${base()}/programs/${id}/deletion`);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}?done=deleted`);
    expect((await t.su`select count(*)::int as n from capacity_intervals where program_id = ${id}`)[0]!.n).toBe(0);
    const [event] = (await auditRows(owner.tenantId, "program.deleted")).filter((e) => e.target_id === id);
    expect(event!.changes).toEqual({ name: "Doomed", intervals: 1 });
    expect((await owner.client.get(`${base()}/programs/${id}`)).status).toBe(404);
  });

  test("the capacity home lists programs with interval, goal, shrinkage and history range, and links to the rest of the module", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "Home figures", interval_minutes: "30" })));
    await t.su`insert into capacity_intervals (tenant_id, program_id, day, minute, offered) values
      (${owner.tenantId}, ${id}, '2025-01-06', 480, 10), (${owner.tenantId}, ${id}, '2025-01-08', 510, 12)`;
    const res = await viewer.client.get(base());
    expect(res.status).toBe(200);
    const html = await res.text();
    const row = new RegExp(`<tr><td><a href="${base()}/programs/${id}">Home figures</a></td>.*?</tr>`).exec(html)?.[0] ?? "";
    expect(row).toContain("<td>30 min</td>");
    expect(row).toContain("80 % in 20 s");
    expect(row).toContain("<td>17.5 %</td>");
    expect(row).toContain("2025-01-06 to 2025-01-08");
    expect(row).toContain("<td>2</td>");
    expect(html).toContain(`href="${base()}/calculator"`);
    expect(html).toContain(`href="${base()}/agents"`);
    expect(html).not.toContain(`href="${base()}/programs/new"`);
    expect(await (await owner.client.get(base())).text()).toContain(`href="${base()}/programs/new"`);
  });

  test("roles: viewers and privacy officers can read programs but not create, edit or delete them (403)", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm()));
    for (const who of [viewer, privacy]) {
      expect((await who.client.get(`${base()}/programs/${id}`)).status).toBe(200);
      expect((await who.client.get(`${base()}/programs/new`)).status).toBe(403);
      expect((await who.client.post(`${base()}/programs`, programForm())).status).toBe(403);
      expect((await who.client.get(`${base()}/programs/${id}/edit`)).status).toBe(403);
      expect((await who.client.post(`${base()}/programs/${id}`, programForm({ name: "Hijack" }))).status).toBe(403);
      expect((await who.client.post(`${base()}/programs/${id}/deletion`)).status).toBe(403);
    }
    expect((await getProgram(ctxOf(owner), id)).name).not.toBe("Hijack");
  });

  test("a program's name is escaped on every page that shows it", async () => {
    const id = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "<script>alert(1)</script>" })));
    for (const path of [`${base()}/programs/${id}`, base(), `${base()}/programs/${id}/edit`]) {
      const html = await (await owner.client.get(path)).text();
      expect(html).not.toContain("<script>alert(1)</script>");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
  });

  test("an unknown or malformed program id is a 404", async () => {
    expect((await owner.client.get(`${base()}/programs/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await owner.client.get(`${base()}/programs/not-an-id`)).status).toBe(404);
  });
});
