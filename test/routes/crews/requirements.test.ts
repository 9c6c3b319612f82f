import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;
let projectId: string;

const url = (suffix = "") => `/t/${owner.slug}/crews/projects/${projectId}/requirements${suffix}`;
const location = (res: Response) => res.headers.get("location") ?? "";
const rows = () => t.su<{ id: string; trade: string; headcount: number; starts_on: string; ends_on: string; note: string | null; created_by: string | null }[]>`
  select id, trade, headcount, starts_on::text, ends_on::text, note, created_by from crew_requirements where tenant_id = ${owner.tenantId} order by created_at, id`;
const auditRows = (action: string) => t.su<{ actor_id: string | null; target_id: string; changes: Record<string, any> | null }[]>`
  select actor_id, target_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = ${action} order by seq`;
const form = (over: Record<string, string> = {}) => ({ trade: "finisher", headcount: "4", starts_on: "2026-03-02", ends_on: "2026-03-13", note: "Deck pour <b>week</b>", ...over });

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
  projectId = Bun.randomUUIDv7();
  await t.su`insert into crew_projects (tenant_id, id, name, number, status, created_at, updated_at) values (${owner.tenantId}, ${projectId}, 'Harbour <Deck>', 'H-7', 'active', now(), now())`;
  await t.su`insert into crew_employees (tenant_id, id, name, trade, created_at, updated_at) values (${owner.tenantId}, ${Bun.randomUUIDv7()}, 'Ann', 'Finisher', now(), now())`;
});

describe("project requirements", () => {
  test("adding a requirement redirects (303) back to the list, spells the trade as the employees do, and shows it escaped", async () => {
    const res = await member.client.post(url(), form());
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${url()}?done=added`);
    const [row] = await rows();
    expect(row).toMatchObject({ trade: "Finisher", headcount: 4, starts_on: "2026-03-02", ends_on: "2026-03-13", note: "Deck pour <b>week</b>", created_by: member.user.id });
    const html = await (await viewer.client.get(location(res))).text();
    expect(html).toContain("Requirement added.");
    expect(html).toContain("Harbour &lt;Deck&gt; (H-7)");
    expect(html).toContain("Deck pour &lt;b&gt;week&lt;/b&gt;");
    expect(html).not.toContain("Add a requirement");
  });

  test("P10 adding, editing and deleting are audited with the actor and the changes", async () => {
    const res = await owner.client.post(url(), form({ trade: "Laborer", headcount: "2", note: "" }));
    expect(res.status).toBe(303);
    const id = (await rows()).find((r) => r.trade === "Laborer")!.id;
    const created = (await auditRows("requirement.created")).find((a) => a.target_id === id)!;
    expect(created).toMatchObject({ actor_id: owner.user.id, changes: { project_id: projectId, trade: "Laborer", headcount: 2, starts_on: "2026-03-02", ends_on: "2026-03-13", note: null } });

    const edit = await owner.client.get(url(`/${id}`));
    expect(edit.status).toBe(200);
    expect(await edit.text()).toContain('value="Laborer"');
    const saved = await owner.client.post(url(`/${id}`), form({ trade: "Laborer", headcount: "3", note: "" }));
    expect(saved.status).toBe(303);
    expect(location(saved)).toBe(`${url()}?done=saved`);
    const [updated] = await auditRows("requirement.updated");
    expect(updated).toMatchObject({ actor_id: owner.user.id, target_id: id, changes: { headcount: { from: 2, to: 3 } } });

    const gone = await owner.client.post(url(`/${id}/deletion`));
    expect(gone.status).toBe(303);
    expect(location(gone)).toBe(`${url()}?done=deleted`);
    expect((await rows()).some((r) => r.id === id)).toBe(false);
    const [deleted] = await auditRows("requirement.deleted");
    expect(deleted).toMatchObject({ actor_id: owner.user.id, target_id: id, changes: { trade: "Laborer", headcount: 3 } });
  });

  test("bad input re-renders the form with a message on each field (422) and saves nothing", async () => {
    const before = (await rows()).length;
    const res = await member.client.post(url(), { trade: "", headcount: "0", starts_on: "2026-02-30", ends_on: "soon" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter a trade.");
    expect(html).toContain("Enter a whole number of people, 1 to 10,000.");
    expect(html).toContain("Enter a date as YYYY-MM-DD.");
    const backwards = await member.client.post(url(), form({ starts_on: "2026-03-10", ends_on: "2026-03-09", headcount: "12" }));
    expect(backwards.status).toBe(422);
    const page = await backwards.text();
    expect(page).toContain("The last day cannot be before the first.");
    expect(page).toContain('value="12"');
    const [first] = await rows();
    const edit = await member.client.post(url(`/${first!.id}`), form({ headcount: "-1" }));
    expect(edit.status).toBe(422);
    expect((await rows()).length).toBe(before);
    expect((await rows())[0]!.headcount).toBe(4);
  });

  test("roles: viewers and privacy officers see the list but may not add, edit or delete (403)", async () => {
    const [first] = await rows();
    for (const who of [viewer, privacy]) {
      expect((await who.client.get(url())).status).toBe(200);
      expect((await who.client.post(url(), form())).status).toBe(403);
      expect((await who.client.post(url(`/${first!.id}`), form({ headcount: "9" }))).status).toBe(403);
      expect((await who.client.post(url(`/${first!.id}/deletion`))).status).toBe(403);
    }
    expect((await rows())[0]!.headcount).toBe(4);
  });

  test("an unknown project or requirement is 404, also for a malformed id", async () => {
    const other = Bun.randomUUIDv7();
    expect((await owner.client.get(`/t/${owner.slug}/crews/projects/${other}/requirements`)).status).toBe(404);
    expect((await owner.client.get(`/t/${owner.slug}/crews/projects/nope/requirements`)).status).toBe(404);
    expect((await owner.client.get(url(`/${other}`))).status).toBe(404);
    expect((await owner.client.post(url(`/${other}/deletion`))).status).toBe(404);
  });

  test("the projections page opens a project's requirements through its project picker", async () => {
    const page = await (await viewer.client.get(`/t/${owner.slug}/crews/projections`)).text();
    expect(page).toContain(`<option value="${projectId}"`);
    const res = await viewer.client.get(`/t/${owner.slug}/crews/requirements?project=${projectId}`);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(url());
  });
});
