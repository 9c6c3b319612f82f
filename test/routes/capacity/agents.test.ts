import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { programForm } from "./program-form.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;
let voiceId: string;
let chatId: string;

const base = () => `/t/${owner.slug}/capacity`;
const agents = () => `${base()}/agents`;
const location = (res: Response) => res.headers.get("location") ?? "";
const idFrom = (res: Response) => location(res).split("/").pop()!;

function agentForm(over: Record<string, string> = {}, programs: string[] = []): URLSearchParams {
  const form = new URLSearchParams({ name: "Ada Agent", employee_id: `E-${crypto.randomUUID().slice(0, 8)}`, fte: "1", status: "active", start_date: "2024-01-15", end_date: "", ...over });
  for (const p of programs) form.append("program_ids", p);
  return form;
}
const agentRow = async (id: string) =>
  (await t.su`select name, employee_id, fte::text, status, start_date::text, end_date::text,
    array(select p.name from capacity_agent_programs ap join capacity_programs p on p.id = ap.program_id where ap.agent_id = a.id order by p.name) as programs
    from capacity_agents a where id = ${id}`)[0];
const auditRows = (action: string, id?: string) =>
  t.su<{ actor_id: string | null; target_id: string; changes: Record<string, any> | null }[]>`
    select actor_id, target_id, changes from audit_events where tenant_id = ${owner.tenantId} and action = ${action} and (${id ?? null}::uuid is null or target_id = ${id ?? null}) order by seq`;
function csvForm(content: string | Uint8Array, name = "agents.csv") {
  const form = new FormData();
  form.set("file", new File([content as BlobPart], name, { type: "text/csv" }));
  return form;
}

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
  privacy = await memberOf(t, app, owner, "privacy");
  voiceId = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "Voice Care" })));
  chatId = idFrom(await owner.client.post(`${base()}/programs`, programForm({ name: "Chat Care", channel: "chat" })));
});
beforeEach(async () => {
  await t.su`delete from graphile_worker._private_jobs`;
});

describe("capacity agents", () => {
  test("P10 creating an agent with programs redirects (303) to the agent and is audited", async () => {
    const res = await member.client.post(agents(), agentForm({ name: "Grace Hopper", employee_id: "GH-1", fte: "0,5", status: "training" }, [voiceId, chatId]));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    expect(location(res)).toBe(`${agents()}/${id}`);
    expect(await agentRow(id)).toEqual({ name: "Grace Hopper", employee_id: "GH-1", fte: "0.5", status: "training", start_date: "2024-01-15", end_date: null, programs: ["Chat Care", "Voice Care"] });
    const html = await (await viewer.client.get(location(res))).text();
    expect(html).toContain("<h1>Grace Hopper</h1>");
    expect(html).toContain(`<a href="${base()}/programs/${voiceId}">Voice Care</a>`);
    const [event] = await auditRows("agent.created", id);
    expect(event!.actor_id).toBe(member.user.id);
    expect(event!.changes).toMatchObject({ name: "Grace Hopper", employee_id: "GH-1", fte: 0.5, status: "training" });
  });

  test("bad input is a 422 with a message on each field, keeps the ticked programs and saves nothing", async () => {
    const before = (await t.su`select count(*)::int as n from capacity_agents where tenant_id = ${owner.tenantId}`)[0]!.n;
    const res = await owner.client.post(agents(), agentForm({ name: " ", fte: "2", status: "retired", start_date: "2024-05-01", end_date: "2024-04-01" }, [chatId]));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Enter the agent&#39;s name.");
    expect(html).toContain("FTE must be at most 1.5.");
    expect(html).toContain("Choose active, training, on leave or left.");
    expect(html).toContain("The end date must be on or after the start date.");
    expect(html).toContain(`value="${chatId}" checked=""`);
    const zero = await owner.client.post(agents(), agentForm({ fte: "0", start_date: "someday" }));
    expect(zero.status).toBe(422);
    const zeroHtml = await zero.text();
    expect(zeroHtml).toContain("FTE must be more than 0.");
    expect(zeroHtml).toContain("Enter a date as YYYY-MM-DD.");
    expect((await t.su`select count(*)::int as n from capacity_agents where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(before);
  });

  test("an employee ID already used in the workspace, in any case, is a field message", async () => {
    expect((await owner.client.post(agents(), agentForm({ employee_id: "DUP-7" }))).status).toBe(303);
    const res = await owner.client.post(agents(), agentForm({ employee_id: "dup-7" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Another agent in this workspace already has this employee ID.");
  });

  test("P10 editing an agent changes its fields and programs and audits what changed", async () => {
    const id = idFrom(await owner.client.post(agents(), agentForm({ name: "Edit Me", employee_id: "ED-1" }, [voiceId])));
    const form = await (await owner.client.get(`${agents()}/${id}/edit`)).text();
    expect(form).toContain(`value="${voiceId}" checked=""`);
    const res = await member.client.post(`${agents()}/${id}`, agentForm({ name: "Edited", employee_id: "ED-1", status: "leave", end_date: "2025-12-31" }, [chatId]));
    expect(res.status).toBe(303);
    expect(await agentRow(id)).toMatchObject({ name: "Edited", status: "leave", end_date: "2025-12-31", programs: ["Chat Care"] });
    const [event] = await auditRows("agent.updated", id);
    expect(event!.changes).toEqual({
      name: { from: "Edit Me", to: "Edited" },
      status: { from: "active", to: "leave" },
      end_date: { from: null, to: "2025-12-31" },
      programs: { from: [voiceId], to: [chatId] },
    });
  });

  test("P10 deleting an agent removes it and its program links, audited", async () => {
    const id = idFrom(await owner.client.post(agents(), agentForm({ employee_id: "DEL-1" }, [voiceId])));
    const res = await owner.client.post(`${agents()}/${id}/deletion`);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${agents()}?done=deleted`);
    expect(await agentRow(id)).toBeUndefined();
    expect((await t.su`select count(*)::int as n from capacity_agent_programs where agent_id = ${id}`)[0]!.n).toBe(0);
    expect((await auditRows("agent.deleted", id))[0]!.changes).toEqual({ employee_id: "DEL-1" });
  });

  test("the list pages by keyset and filters by status, program and a search on name or employee ID", async () => {
    const app = testApp({ db: t.db });
    const solo = await createAccount(t, app);
    const progId = idFrom(await solo.client.post(`/t/${solo.slug}/capacity/programs`, programForm({ name: "Only" })));
    await t.su`insert into capacity_agents (tenant_id, id, name, employee_id, fte, status, start_date, created_at, updated_at)
      select ${solo.tenantId}, gen_random_uuid(), 'Agent ' || lpad(i::text, 3, '0'), 'K' || i, 1, case when i % 5 = 0 then 'left' else 'active' end, '2024-01-01', now(), now()
      from generate_series(1, 55) i`;
    await t.su`insert into capacity_agent_programs (tenant_id, agent_id, program_id)
      select tenant_id, id, ${progId} from capacity_agents where tenant_id = ${solo.tenantId} and name in ('Agent 007', 'Agent 012')`;
    const list = `/t/${solo.slug}/capacity/agents`;
    const first = await (await solo.client.get(list)).text();
    expect((first.match(/<tr><td><a href=/g) ?? []).length).toBe(50);
    expect(first).toContain(">Agent 001<");
    expect(first).not.toContain(">Agent 051<");
    const next = /href="([^"]+after=[^"]+)"[^>]*rel="next"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeDefined();
    const second = await (await solo.client.get(next!)).text();
    expect((second.match(/<tr><td><a href=/g) ?? []).length).toBe(5);
    expect(second).toContain(">Agent 055<");
    const left = await (await solo.client.get(`${list}?status=left`)).text();
    expect((left.match(/<tr><td><a href=/g) ?? []).length).toBe(11);
    const byProgram = await (await solo.client.get(`${list}?program=${progId}`)).text();
    expect((byProgram.match(/<tr><td><a href=/g) ?? []).length).toBe(2);
    expect(byProgram).toContain("<td>Only</td>");
    const search = await (await solo.client.get(`${list}?q=k42`)).text();
    expect((search.match(/<tr><td><a href=/g) ?? []).length).toBe(1);
    expect(search).toContain(">Agent 042<");
    const fragment = await solo.client.htmx("GET", `${list}?status=left`);
    expect(await fragment.text()).toStartWith('<div id="agents-region">');
    const bad = await solo.client.get(`${list}?status=gone&after=nonsense`);
    expect(bad.status).toBe(422);
  });

  test("P10 the CSV export streams the filtered agents in the import's columns, with a BOM, and is audited", async () => {
    await owner.client.post(agents(), agentForm({ name: "=Export Me", employee_id: "EX-1", fte: "0.75", end_date: "2026-01-31" }, [voiceId, chatId]));
    const res = await viewer.client.get(`${agents()}.csv?q=ex-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="agents-ws-.*\.csv"$/);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(text).toBe("\uFEFFname,employee_id,fte,status,start_date,end_date,programs\r\n'=Export Me,EX-1,0.75,active,2024-01-15,2026-01-31,Chat Care;Voice Care\r\n");
    const [event] = (await auditRows("agents.exported")).slice(-1);
    expect(event!.actor_id).toBe(viewer.user.id);
    expect(event!.changes).toEqual({ filters: { status: "", program: "", q: "ex-1" }, rows: 1 });
  });

  test("the CSV import creates agents, updates those matched by employee ID, links programs by name and rejects bad rows with reasons", async () => {
    await owner.client.post(agents(), agentForm({ name: "Old Name", employee_id: "IMP-1", fte: "1" }, [voiceId]));
    const csv = [
      "name;employee_id;fte;status;start_date;end_date;programs",
      "New Name;imp-1;0,8;leave;2023-02-01;;Chat Care",
      'Brand New;IMP-2;0.5;training;2025-01-06;;"voice care;Chat Care"',
      "No Id;;1;active;2024-01-01;;",
      "Too Much;IMP-3;2;active;2024-01-01;;",
      "Bad Status;IMP-4;1;sleeping;2024-01-01;;",
      "Ghost;IMP-5;1;active;2024-01-01;;Nowhere",
      "Backwards;IMP-6;1;active;2024-05-01;2024-04-01;",
    ].join("\n");
    const res = await member.client.post(`${agents()}/imports`, csvForm(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(csv)])));
    expect(res.status).toBe(303);
    const importId = /\/imports\/([0-9a-f-]{36})/.exec(location(res))![1]!;
    await runDueJobs(t, jobDeps(t));
    const [imp] = await t.su`select status, total_rows, created_count, updated_count, rejected_count from capacity_imports where id = ${importId}`;
    expect(imp).toEqual({ status: "done", total_rows: 7, created_count: 1, updated_count: 1, rejected_count: 5 });
    const [updated] = await t.su`select id from capacity_agents where tenant_id = ${owner.tenantId} and employee_id = 'imp-1'`;
    expect(await agentRow(updated!.id)).toEqual({ name: "New Name", employee_id: "imp-1", fte: "0.8", status: "leave", start_date: "2023-02-01", end_date: null, programs: ["Chat Care"] });
    const [created] = await t.su`select id from capacity_agents where tenant_id = ${owner.tenantId} and employee_id = 'IMP-2'`;
    expect((await agentRow(created!.id))!.programs).toEqual(["Chat Care", "Voice Care"]);
    const raw = await (await member.client.get(`${base()}/imports/${importId}/rejected.csv`)).arrayBuffer();
    const rejected = new TextDecoder("utf-8", { ignoreBOM: true }).decode(raw).trimEnd().split("\r\n");
    expect(rejected.map((l) => l.split(";").pop())).toEqual([
      "reason",
      "employee_id is missing",
      "fte “2” is not a number above 0 and at most 1.5",
      "status “sleeping” is not one of active, training, leave, left",
      "programs: there is no program named “Nowhere”",
      "end_date is before start_date",
    ]);
    expect(JSON.stringify(rejected[0])).toBe(JSON.stringify("\uFEFFname;employee_id;fte;status;start_date;end_date;programs;reason"));
    const events = await auditRows("agent.updated", updated!.id);
    expect(events.slice(-1)[0]!.changes).toMatchObject({ name: { from: "Old Name", to: "New Name" }, import_id: importId, programs: ["Chat Care"] });
    expect(events.slice(-1)[0]!.actor_id).toBe(member.user.id);
  });

  test("an agents file without name and employee_id columns is refused on the form (422)", async () => {
    const res = await owner.client.post(`${agents()}/imports`, csvForm("first,last\nA,B\n"));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Missing: name, employee_id.");
  });

  test("roles: viewers and privacy officers can list, read and export agents but not change or import them (403)", async () => {
    const id = idFrom(await owner.client.post(agents(), agentForm({ employee_id: "ROLE-1" })));
    for (const who of [viewer, privacy]) {
      expect((await who.client.get(agents())).status).toBe(200);
      expect((await who.client.get(`${agents()}/${id}`)).status).toBe(200);
      expect((await who.client.get(`${agents()}/new`)).status).toBe(403);
      expect((await who.client.post(agents(), agentForm())).status).toBe(403);
      expect((await who.client.get(`${agents()}/${id}/edit`)).status).toBe(403);
      expect((await who.client.post(`${agents()}/${id}`, agentForm({ name: "Hijack", employee_id: "ROLE-1" }))).status).toBe(403);
      expect((await who.client.post(`${agents()}/${id}/deletion`)).status).toBe(403);
      expect((await who.client.post(`${agents()}/imports`, csvForm("name,employee_id\nA,1\n"))).status).toBe(403);
    }
    expect((await agentRow(id))!.name).toBe("Ada Agent");
    const form = await owner.client.get(`${agents()}/imports`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain(`<form method="post" action="${agents()}/imports" enctype="multipart/form-data"`);
  });

  test("an agent's name is escaped in the list and on its page", async () => {
    const id = idFrom(await owner.client.post(agents(), agentForm({ name: "<img src=x onerror=alert(1)>", employee_id: "XSS-1" })));
    for (const path of [`${agents()}/${id}`, `${agents()}?q=xss-1`]) {
      const html = await (await owner.client.get(path)).text();
      expect(html).not.toContain("<img src=x");
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    }
  });
});
