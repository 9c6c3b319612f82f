import { describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { zonedToInstant } from "../../../src/domain/crm/timeline.ts";
import type { CrmObject } from "../../../src/domain/schema.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";

const t = useTestDatabase();

type Records = Record<CrmObject, string>;
const PLURAL: Record<CrmObject, string> = { company: "companies", contact: "contacts", lead: "leads", deal: "deals" };

/** One record of each kind, inserted directly (the record pages are another part's). */
async function seedRecords(acct: Account, marker: string): Promise<Records> {
  const now = new Date();
  const ids = { company: Bun.randomUUIDv7(), contact: Bun.randomUUIDv7(), lead: Bun.randomUUIDv7(), deal: Bun.randomUUIDv7() };
  await inTransaction(systemCtx(t.db.app, now, acct.tenantId), async (tx) => {
    const stamps = { created_at: now, updated_at: now, created_by: null };
    await tx.db.insertInto("companies").values({ tenant_id: acct.tenantId, id: ids.company, name: `Company ${marker}`, ...stamps }).execute();
    await tx.db.insertInto("contacts").values({ tenant_id: acct.tenantId, id: ids.contact, first_name: "Ada", last_name: `Contact ${marker}`, ...stamps }).execute();
    await tx.db.insertInto("leads").values({ tenant_id: acct.tenantId, id: ids.lead, name: `Lead ${marker}`, ...stamps }).execute();
    const pipelineId = Bun.randomUUIDv7();
    const stageId = Bun.randomUUIDv7();
    await tx.db.insertInto("pipelines").values({ tenant_id: acct.tenantId, id: pipelineId, name: "Sales", created_at: now }).execute();
    await tx.db.insertInto("pipeline_stages").values({ tenant_id: acct.tenantId, id: stageId, pipeline_id: pipelineId, name: "New", position: 0, probability: 10 }).execute();
    await tx.db.insertInto("deals").values({ tenant_id: acct.tenantId, id: ids.deal, title: `Deal ${marker}`, pipeline_id: pipelineId, stage_id: stageId, ...stamps }).execute();
  });
  return ids;
}

const count = async (table: string, tenantId: string) => (await t.su.unsafe(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]))[0]!.n as number;
const auditRows = (tenantId: string, action: string) =>
  t.su<{ target_type: string; target_id: string; changes: Record<string, unknown> | null; actor_id: string | null }[]>`
    select target_type, target_id, changes, actor_id from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;

async function setup(opts: { now?: () => Date } = {}) {
  const app = testApp({ db: t.db, now: opts.now });
  const acct = await createAccount(t, app);
  const rec = await seedRecords(acct, "MARK");
  const crm = `/t/${acct.slug}/crm`;
  return { app, acct, rec, crm, contact: `${crm}/contacts/${rec.contact}` };
}

describe("adding to a record's timeline", () => {
  test("an activity, a note, a task and a file each answer 303 to the record page and show in its timeline", async () => {
    const { acct, contact } = await setup();
    const back = `${contact}#timeline`;
    let res = await acct.client.post(`${contact}/activities`, { kind: "meeting", occurred_at: "2025-03-04T10:30", duration_minutes: "45", outcome: "Agreed a pilot", body: "Met at their office." });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(back);
    res = await acct.client.post(`${contact}/notes`, { body: "Prefers email over phone." });
    expect(res.headers.get("location")).toBe(back);
    res = await acct.client.post(`${contact}/tasks`, { title: "Send the proposal", due_on: "2025-03-10", assignee_id: acct.user.id });
    expect(res.headers.get("location")).toBe(back);
    const form = new FormData();
    form.set("file", new File(["name,email\nAda,ada@example.com\n"], "people.csv", { type: "text/csv" }));
    res = await acct.client.post(`${contact}/attachments`, form);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(back);

    const fragment = await acct.client.htmx("GET", `${contact}/timeline`);
    expect(fragment.status).toBe(200);
    const html = await fragment.text();
    expect(html).not.toContain("<!DOCTYPE");
    expect(html).toStartWith('<div id="timeline-body"');
    for (const s of ["Meeting", "45 min", "Agreed a pilot", "Met at their office.", "Prefers email over phone.", "Send the proposal", "people.csv", "text/csv"]) expect(html).toContain(s);
    // The record's own page (another part) gets the same section by spreading loadTimeline() into TimelineSection.
    const full = await acct.client.get(`${contact}/timeline`);
    expect(await full.text()).toContain(`href="${contact}#timeline"`);
  });

  test("with htmx a change answers the refreshed timeline fragment instead of a redirect", async () => {
    const { acct, contact } = await setup();
    const res = await acct.client.htmx("POST", `${contact}/notes`, { body: "Called back on Tuesday." });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toStartWith('<div id="timeline-body"');
    expect(html).toContain("Called back on Tuesday.");
  });

  test("companies, leads and deals have timelines too, each answering to its own record page", async () => {
    const { acct, rec, crm } = await setup();
    for (const kind of ["company", "lead", "deal"] as const) {
      const path = `${crm}/${PLURAL[kind]}/${rec[kind]}`;
      const res = await acct.client.post(`${path}/notes`, { body: `A note on the ${kind}` });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`${path}#timeline`);
      expect(await (await acct.client.htmx("GET", `${path}/timeline`)).text()).toContain(`A note on the ${kind}`);
      const [row] = await t.su`select company_id, contact_id, lead_id, deal_id from notes where body = ${`A note on the ${kind}`}`;
      expect(row![`${kind}_id`]).toBe(rec[kind]);
    }
  });

  test("an activity's time is read in the workspace's time zone", async () => {
    const { acct, contact } = await setup();
    await t.su`update tenants set time_zone = 'America/New_York' where id = ${acct.tenantId}`;
    await acct.client.post(`${contact}/activities`, { kind: "call", occurred_at: "2025-07-01T09:00" });
    const [row] = await t.su<{ occurred_at: Date }[]>`select occurred_at from activities where tenant_id = ${acct.tenantId}`;
    expect(row!.occurred_at.toISOString()).toBe("2025-07-01T13:00:00.000Z");
    expect(zonedToInstant("2025-01-15T09:00", "America/New_York").toISOString()).toBe("2025-01-15T14:00:00.000Z");
    // In the spring-forward gap the time moves forward; in the autumn overlap the earlier reading wins.
    expect(zonedToInstant("2025-03-09T02:30", "America/New_York").toISOString()).toBe("2025-03-09T07:30:00.000Z");
    expect(zonedToInstant("2025-03-09T03:30", "America/New_York").toISOString()).toBe("2025-03-09T07:30:00.000Z");
    expect(zonedToInstant("2025-11-02T01:30", "America/New_York").toISOString()).toBe("2025-11-02T05:30:00.000Z");
    expect(zonedToInstant("2025-01-11T01:00", "Pacific/Auckland").toISOString()).toBe("2025-01-10T12:00:00.000Z");
  });

  test("invalid input answers 422 with field messages, and nothing is saved", async () => {
    const { acct, contact } = await setup();
    const other = await createAccount(t, testApp({ db: t.db }));
    const cases: [string, Record<string, string>, string][] = [
      ["notes", { body: "   " }, "Write the note."],
      ["notes", { body: "x".repeat(20_001) }, "Use at most 20000 characters."],
      ["activities", { kind: "fax", occurred_at: "2025-03-04T10:30" }, "Choose call, meeting or email."],
      ["activities", { kind: "call", occurred_at: "2025-02-30T10:30" }, "Enter the date and time"],
      ["activities", { kind: "call", occurred_at: "2025-03-04T10:30:99" }, "Enter the date and time"],
      ["activities", { kind: "call", occurred_at: "" }, "Enter the date and time"],
      ["activities", { kind: "call", occurred_at: "2025-03-04T10:30", duration_minutes: "1441" }, "Enter 0 to 1440 minutes."],
      ["activities", { kind: "call", occurred_at: "2025-03-04T10:30", duration_minutes: "1.5" }, "whole minutes"],
      ["tasks", { title: "" }, "Give the task a title."],
      ["tasks", { title: "Call", due_on: "31/03/2025" }, "Enter a date as YYYY-MM-DD"],
      ["tasks", { title: "Call", assignee_id: other.user.id }, "Choose a member of this workspace."],
    ];
    for (const [path, body, message] of cases) {
      const res = await acct.client.post(`${contact}/${path}`, body);
      expect({ path, status: res.status }).toEqual({ path, status: 422 });
      const html = await res.text();
      expect(html).toStartWith("<!DOCTYPE html>");
      expect(html).toContain(message);
    }
    for (const table of ["notes", "activities", "tasks"]) expect(await count(table, acct.tenantId)).toBe(0);
    // A NUL byte cannot be stored in Postgres text: it is dropped rather than failing with a 500.
    expect((await acct.client.post(`${contact}/notes`, { body: "a\u0000b" })).status).toBe(303);
    expect((await t.su`select body from notes where tenant_id = ${acct.tenantId}`)[0]!.body).toBe("ab");
  });

  test("with htmx an invalid form answers just that form, with its messages and what was typed", async () => {
    const { acct, contact } = await setup();
    const res = await acct.client.htmx("POST", `${contact}/tasks`, { title: "", due_on: "soon" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toStartWith('<details class="timeline-form" id="tl-task" open');
    expect(html).toContain("Give the task a title.");
    expect(html).toContain('value="soon"');
    expect(html).not.toContain('id="timeline-body"');
  });
});

describe("the timeline", () => {
  test("merges items and the record's audit changes newest first, 20 a page, with an Older link that never repeats or skips", async () => {
    const { acct, rec, contact } = await setup();
    const base = Date.parse("2025-01-01T00:00:00Z");
    // Pairs share a timestamp: the id breaks the tie, so the keyset must carry it.
    for (let i = 0; i < 44; i++) {
      const at = new Date(base + Math.floor(i / 2) * 60_000);
      await t.su`insert into notes (tenant_id, id, body, created_at, updated_at, contact_id) values (${acct.tenantId}, ${Bun.randomUUIDv7()}, ${`note-${String(i).padStart(2, "0")}`}, ${at}, ${at}, ${rec.contact})`;
    }
    await t.su`insert into audit_events (id, tenant_id, actor_type, actor_label, action, target_type, target_id, changes, created_at)
      values (${Bun.randomUUIDv7()}, ${acct.tenantId}, 'user', 'Grace', 'contact.updated', 'contact', ${rec.contact}, ${t.su.json({ title: { from: "Engineer", to: "<b>CTO</b>" } })}, ${new Date(base + 10 * 60_000 + 1)})`;
    const seen: string[] = [];
    let url: string | null = `${contact}/timeline`;
    let pages = 0;
    let all = "";
    while (url) {
      const html = await (await acct.client.htmx("GET", url)).text();
      pages++;
      all += html;
      const items = [...html.matchAll(/note-(\d\d)|contact\.updated/g)].map((m) => m[0]);
      expect(items.length).toBeLessThanOrEqual(20);
      seen.push(...items);
      const older = /href="([^"]+\/timeline\?before=[^"]+)"/.exec(html);
      url = older ? older[1]!.replaceAll("&amp;", "&") : null;
    }
    expect(all).toContain("title: Engineer → &lt;b&gt;CTO&lt;/b&gt;");
    expect(all).not.toContain("<b>CTO</b>");
    expect(pages).toBe(3);
    expect(seen.length).toBe(45);
    expect(new Set(seen).size).toBe(45);
    // Newest first: the audit event (just after minute 10) sits between the notes of minutes 11 and 10.
    const notesOnly = seen.filter((s) => s !== "contact.updated");
    const expectedTimes = notesOnly.map((s) => Math.floor(Number(s.slice(5)) / 2));
    expect(expectedTimes).toEqual([...expectedTimes].sort((a, b) => b - a));
    expect(seen.indexOf("contact.updated")).toBe(22);
  });

  test("audit changes name the owner, company and stage they point at instead of showing ids; another workspace's ids stay unnamed", async () => {
    const { app, acct, rec, contact } = await setup();
    const other = await createAccount(t, app, { name: "Outsider Zed" });
    const outsiderCompany = Bun.randomUUIDv7();
    await t.su`insert into companies (tenant_id, id, name, created_at, updated_at) values (${other.tenantId}, ${outsiderCompany}, 'Outsider Company', now(), now())`;
    await t.su`insert into audit_events (id, tenant_id, actor_type, actor_label, action, target_type, target_id, changes, created_at)
      values (${Bun.randomUUIDv7()}, ${acct.tenantId}, 'user', 'Grace', 'contact.updated', 'contact', ${rec.contact},
        ${t.su.json({ owner_id: { from: null, to: acct.user.id }, company_id: { from: outsiderCompany, to: rec.company }, title: { from: "A", to: "B" } })}, now())`;
    await t.su`insert into audit_events (id, tenant_id, actor_type, actor_label, action, target_type, target_id, changes, created_at)
      values (${Bun.randomUUIDv7()}, ${acct.tenantId}, 'user', 'Grace', 'contact.updated', 'contact', ${rec.contact}, ${t.su.json({ owner_id: { from: acct.user.id, to: other.user.id } })}, now())`;
    const html = await (await acct.client.htmx("GET", `${contact}/timeline`)).text();
    expect(html).toContain(`owner: empty → ${acct.user.name}`);
    expect(html).toContain("company: a removed record → Company MARK");
    expect(html).toContain(`owner: ${acct.user.name} → a removed record`);
    expect(html).toContain("title: A → B");
    expect(html).not.toContain(rec.company);
    expect(html).not.toContain("Outsider");
  });

  test("a malformed Older cursor shows the first page rather than failing", async () => {
    const { acct, contact } = await setup();
    await acct.client.post(`${contact}/notes`, { body: "first" });
    for (const bad of ["%%%", "bm90LWEtY3Vyc29y", Buffer.from("2025-01-01T00:00:00.000000Z|not-a-uuid").toString("base64url"), "x".repeat(500)]) {
      const res = await acct.client.htmx("GET", `${contact}/timeline?before=${bad}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("first");
    }
  });

  test("notes show as plain text: line breaks kept, http(s) links clickable, markup escaped", async () => {
    const { acct, contact } = await setup();
    const body = 'See https://example.com/a?b=1&c=2. Or (https://example.org/x_(y)).\n<script>alert("x")</script>\n<img src=x onerror=alert(1)> javascript:alert(1) ftp://example.net';
    await acct.client.post(`${contact}/notes`, { body });
    const html = await (await acct.client.htmx("GET", `${contact}/timeline`)).text();
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">https://example.com/a?b=1&amp;c=2</a>. Or');
    expect(html).toContain('<a href="https://example.org/x_(y)" rel="noopener noreferrer nofollow">https://example.org/x_(y)</a>).');
    expect(html).toMatch(/<br\s*\/?>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;<br\s*\/?>&lt;img src=x onerror=alert\(1\)&gt;/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain('href="javascript');
    expect(html).not.toContain('href="ftp');
  });

  test("an activity's, task's and file's markup is escaped too", async () => {
    const { acct, contact } = await setup();
    await acct.client.post(`${contact}/activities`, { kind: "call", occurred_at: "2025-03-04T10:30", outcome: "<i>won</i>", body: "<b>x</b>" });
    await acct.client.post(`${contact}/tasks`, { title: "<script>t()</script>" });
    const form = new FormData();
    form.set("file", new File(["hi"], '<img src=x onerror="a()">.txt'));
    await acct.client.post(`${contact}/attachments`, form);
    const html = await (await acct.client.htmx("GET", `${contact}/timeline`)).text();
    expect(html).toContain("&lt;i&gt;won&lt;/i&gt;");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).toContain("&lt;script&gt;t()&lt;/script&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
  });

  test("deleting a note, an activity or a task answers 303 to the record page and removes it", async () => {
    const { acct, contact } = await setup();
    await acct.client.post(`${contact}/notes`, { body: "to be deleted" });
    await acct.client.post(`${contact}/activities`, { kind: "email", occurred_at: "2025-03-04T10:30" });
    await acct.client.post(`${contact}/tasks`, { title: "to be deleted too" });
    for (const [table, path] of [["notes", "notes"], ["activities", "activities"], ["tasks", "tasks"]] as const) {
      const [row] = await t.su`select id from ${t.su(table)} where tenant_id = ${acct.tenantId}`;
      const res = await acct.client.post(`/t/${acct.slug}/crm/${path}/${row!.id}/deletion`);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`${contact}#timeline`);
      expect(await count(table, acct.tenantId)).toBe(0);
    }
  });
});

describe("tasks", () => {
  test("completion toggles a task done and back, answering 303 to the record, and is audited", async () => {
    const { acct, contact, crm } = await setup();
    await acct.client.post(`${contact}/tasks`, { title: "Chase invoice", assignee_id: acct.user.id });
    const [task] = await t.su<{ id: string }[]>`select id from tasks where tenant_id = ${acct.tenantId}`;
    let res = await acct.client.post(`${crm}/tasks/${task!.id}/completion`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${contact}#timeline`);
    expect((await t.su`select done_at from tasks where id = ${task!.id}`)[0]!.done_at).not.toBeNull();
    // An explicit state is idempotent: a double submit does not undo it.
    await acct.client.post(`${crm}/tasks/${task!.id}/completion`, { done: "1" });
    expect((await t.su`select done_at from tasks where id = ${task!.id}`)[0]!.done_at).not.toBeNull();
    await acct.client.post(`${crm}/tasks/${task!.id}/completion`);
    expect((await t.su`select done_at from tasks where id = ${task!.id}`)[0]!.done_at).toBeNull();
    expect((await auditRows(acct.tenantId, "task.completed")).length).toBe(1);
    expect((await auditRows(acct.tenantId, "task.reopened")).length).toBe(1);
    res = await acct.client.htmx("POST", `${crm}/tasks/${task!.id}/completion`, { done: "1", from: "tasks" });
    expect(res.status).toBe(200);
    expect(await res.text()).toStartWith('<div id="my-tasks"');
  });

  test("my tasks: overdue first, then due today, then later, then no date, by the workspace's calendar; done ones only on request", async () => {
    // 12:00 UTC on 10 January is already 11 January in Auckland: a task due on the 10th is overdue there.
    const clock = new Date("2025-01-10T12:00:00Z");
    const { acct, rec, crm } = await setup({ now: () => clock });
    await t.su`update tenants set time_zone = 'Pacific/Auckland' where id = ${acct.tenantId}`;
    const colleague = await createAccount(t, testApp({ db: t.db }));
    await addMember(t, acct.tenantId, colleague.user.id, "member");
    const task = (title: string, due: string | null, over: { assignee?: string; done?: boolean } = {}) =>
      t.su`insert into tasks (tenant_id, id, title, due_on, assignee_id, done_at, created_at, deal_id)
        values (${acct.tenantId}, ${Bun.randomUUIDv7()}, ${title}, ${due}, ${over.assignee ?? acct.user.id}, ${over.done ? clock : null}, ${clock}, ${rec.deal})`;
    await task("T-none", null);
    await task("T-later", "2025-01-20");
    await task("T-today", "2025-01-11");
    await task("T-overdue-old", "2024-12-01");
    await task("T-overdue", "2025-01-10");
    await task("T-done", "2025-01-05", { done: true });
    await task("T-theirs", "2025-01-01", { assignee: colleague.user.id });
    const res = await acct.client.get(`${crm}/tasks`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const order = [...html.matchAll(/T-[a-z-]+/g)].map((m) => m[0]);
    expect(order).toEqual(["T-overdue-old", "T-overdue", "T-today", "T-later", "T-none"]);
    const at = (s: string) => html.indexOf(s);
    expect(at("Overdue")).toBeLessThan(at("T-overdue-old"));
    expect(at("Due today")).toBeGreaterThan(at("T-overdue<"));
    expect(at("Due today")).toBeLessThan(at("T-today"));
    expect(at("No date")).toBeLessThan(at("T-none"));
    expect(html).toContain(`href="${crm}/deals/${rec.deal}#timeline"`);
    expect(html).toContain("Deal MARK");
    const withDone = await (await acct.client.get(`${crm}/tasks?done=1`)).text();
    expect(withDone).toContain("T-done");
    expect(withDone).not.toContain("T-theirs");
  });

  test("my tasks pages by keyset, 50 a page", async () => {
    const { acct, rec, crm } = await setup();
    for (let i = 0; i < 60; i++) {
      const due = i < 30 ? `2025-02-${String((i % 28) + 1).padStart(2, "0")}` : null;
      await t.su`insert into tasks (tenant_id, id, title, due_on, assignee_id, created_at, lead_id) values (${acct.tenantId}, ${Bun.randomUUIDv7()}, ${`K-${String(i).padStart(2, "0")}`}, ${due}, ${acct.user.id}, now(), ${rec.lead})`;
    }
    const first = await (await acct.client.get(`${crm}/tasks`)).text();
    const next = /href="([^"]+after=[^"]+)"/.exec(first)![1]!.replaceAll("&amp;", "&");
    const second = await (await acct.client.get(next)).text();
    const a = [...first.matchAll(/K-\d\d/g)].map((m) => m[0]);
    const b = [...second.matchAll(/K-\d\d/g)].map((m) => m[0]);
    expect(a.length).toBe(50);
    expect(b.length).toBe(10);
    expect(new Set([...a, ...b]).size).toBe(60);
    expect((await acct.client.get(`${crm}/tasks?after=garbage`)).status).toBe(200);
  });
});

describe("roles", () => {
  test("roles: a viewer and a privacy officer can read the timeline and their tasks but cannot add, complete or delete (403)", async () => {
    const { app, acct, contact, crm } = await setup();
    await acct.client.post(`${contact}/notes`, { body: "Existing note" });
    await acct.client.post(`${contact}/tasks`, { title: "Existing task" });
    const [note] = await t.su`select id from notes where tenant_id = ${acct.tenantId}`;
    const [task] = await t.su`select id from tasks where tenant_id = ${acct.tenantId}`;
    for (const role of ["viewer", "privacy"] as const) {
      const reader = await createAccount(t, app);
      await addMember(t, acct.tenantId, reader.user.id, role);
      const html = await (await reader.client.get(`${contact}/timeline`)).text();
      expect(html).toContain("Existing note");
      expect(html).not.toContain("<form method=\"post\" action=\"" + contact);
      expect(html).not.toContain("Delete");
      expect((await reader.client.get(`${crm}/tasks`)).status).toBe(200);
      const form = new FormData();
      form.set("file", new File(["x"], "x.txt"));
      const attempts: [string, Record<string, string> | FormData][] = [
        [`${contact}/notes`, { body: "sneaky" }],
        [`${contact}/activities`, { kind: "call", occurred_at: "2025-03-04T10:30" }],
        [`${contact}/tasks`, { title: "sneaky" }],
        [`${contact}/attachments`, form],
        [`${crm}/tasks/${task!.id}/completion`, {}],
        [`${crm}/notes/${note!.id}/deletion`, {}],
        [`${crm}/tasks/${task!.id}/deletion`, {}],
      ];
      for (const [path, body] of attempts) expect({ role, path, status: (await reader.client.post(path, body)).status }).toEqual({ role, path, status: 403 });
    }
    expect(await count("notes", acct.tenantId)).toBe(1);
    expect(await count("tasks", acct.tenantId)).toBe(1);
    expect(await count("activities", acct.tenantId)).toBe(0);
    expect(await count("attachments", acct.tenantId)).toBe(0);
    expect((await t.su`select done_at from tasks where id = ${task!.id}`)[0]!.done_at).toBeNull();
  });
});

describe("P09 isolation", () => {
  test("P09 another workspace's records, notes, tasks and activities answer 404 under one's own workspace, and stay unchanged", async () => {
    const { app, acct, crm } = await setup();
    const b = await createAccount(t, app);
    const bRec = await seedRecords(b, "MARKER-B");
    const bContact = `/t/${b.slug}/crm/contacts/${bRec.contact}`;
    await b.client.post(`${bContact}/notes`, { body: "MARKER-B note" });
    await b.client.post(`${bContact}/tasks`, { title: "MARKER-B task", assignee_id: b.user.id });
    await b.client.post(`${bContact}/activities`, { kind: "call", occurred_at: "2025-03-04T10:30", body: "MARKER-B call" });
    const one = async (table: string) => (await t.su.unsafe(`select id from ${table} where tenant_id = $1`, [b.tenantId]))[0]!.id as string;
    const [noteId, taskId, activityId] = [await one("notes"), await one("tasks"), await one("activities")];
    const probes: [string, string, Record<string, string>?][] = [];
    for (const kind of ["company", "contact", "lead", "deal"] as const) {
      const path = `${crm}/${PLURAL[kind]}/${bRec[kind]}`;
      probes.push(["GET", `${path}/timeline`], ["POST", `${path}/notes`, { body: "x" }], ["POST", `${path}/activities`, { kind: "call", occurred_at: "2025-03-04T10:30" }], ["POST", `${path}/tasks`, { title: "x" }], ["POST", `${path}/notes`, {}]);
    }
    probes.push(
      ["POST", `${crm}/tasks/${taskId}/completion`],
      ["POST", `${crm}/tasks/${taskId}/deletion`],
      ["POST", `${crm}/notes/${noteId}/deletion`],
      ["POST", `${crm}/activities/${activityId}/deletion`],
      ["GET", `${crm}/contacts/not-a-uuid/timeline`],
      ["GET", `${crm}/widgets/${bRec.contact}/timeline`],
      ["POST", `${crm}/notes/not-a-uuid/deletion`],
      ["POST", `${crm}/tasks/1/completion`],
    );
    for (const [method, path, body] of probes) {
      const res = await acct.client.request(method, path, { body: body ?? {} });
      const html = await res.text();
      expect({ path, status: res.status, leaks: html.includes("MARKER-B") }).toEqual({ path, status: 404, leaks: false });
    }
    expect(await count("notes", b.tenantId)).toBe(1);
    expect(await count("tasks", b.tenantId)).toBe(1);
    expect(await count("activities", b.tenantId)).toBe(1);
    expect(await count("notes", acct.tenantId)).toBe(0);
    expect((await t.su`select done_at from tasks where id = ${taskId}`)[0]!.done_at).toBeNull();
    // B's tasks never show in A's "my tasks", even for someone in both workspaces.
    expect(await (await acct.client.get(`${crm}/tasks?done=1`)).text()).not.toContain("MARKER-B");
  });
});

describe("P10 audit", () => {
  test("P10 adding, completing and deleting items is audited with the record they hang off, never their text", async () => {
    const { acct, rec, contact, crm } = await setup();
    await acct.client.post(`${contact}/notes`, { body: "SECRET-NOTE-TEXT" });
    await acct.client.post(`${contact}/activities`, { kind: "call", occurred_at: "2025-03-04T10:30", duration_minutes: "5", body: "SECRET-CALL-TEXT", outcome: "SECRET-OUTCOME" });
    await acct.client.post(`${contact}/tasks`, { title: "SECRET-TASK-TITLE", due_on: "2025-03-10", assignee_id: acct.user.id });
    const [note] = await t.su<{ id: string }[]>`select id from notes where tenant_id = ${acct.tenantId}`;
    const [activity] = await t.su<{ id: string }[]>`select id from activities where tenant_id = ${acct.tenantId}`;
    const [task] = await t.su<{ id: string }[]>`select id from tasks where tenant_id = ${acct.tenantId}`;
    await acct.client.post(`${crm}/tasks/${task!.id}/completion`);
    await acct.client.post(`${crm}/notes/${note!.id}/deletion`);
    await acct.client.post(`${crm}/activities/${activity!.id}/deletion`);
    await acct.client.post(`${crm}/tasks/${task!.id}/deletion`);

    const [noteCreated] = await auditRows(acct.tenantId, "note.created");
    expect(noteCreated).toMatchObject({ target_type: "note", target_id: note!.id, actor_id: acct.user.id, changes: { contact_id: rec.contact, length: 16 } });
    const [activityCreated] = await auditRows(acct.tenantId, "activity.created");
    expect(activityCreated).toMatchObject({ target_type: "activity", target_id: activity!.id, changes: { contact_id: rec.contact, kind: "call", duration_minutes: 5 } });
    const [taskCreated] = await auditRows(acct.tenantId, "task.created");
    expect(taskCreated).toMatchObject({ target_type: "task", target_id: task!.id, changes: { contact_id: rec.contact, due_on: "2025-03-10", assignee_id: acct.user.id } });
    expect((await auditRows(acct.tenantId, "task.completed"))[0]!.target_id).toBe(task!.id);
    for (const [action, id] of [["note.deleted", note!.id], ["activity.deleted", activity!.id], ["task.deleted", task!.id]] as const) {
      const [row] = await auditRows(acct.tenantId, action);
      expect(row).toMatchObject({ target_id: id, changes: { contact_id: rec.contact } });
    }
    const [all] = await t.su`select string_agg(coalesce(changes::text, ''), ' ') as text from audit_events where tenant_id = ${acct.tenantId}`;
    expect(all!.text).not.toContain("SECRET");
  });
});
