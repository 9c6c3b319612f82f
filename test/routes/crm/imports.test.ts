import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Ctx } from "../../../src/domain/context.ts";
import { FileTooLarge } from "../../../src/domain/crm/attachments.ts";
import { uploadImport } from "../../../src/domain/crm/imports.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { addMember, createAccount, type Account } from "../../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../../support/jobs.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;
let privacy: Account;
let other: Account;
let otherImportId: string;

const base = (a: Account = owner) => `/t/${a.slug}/crm/imports`;
const location = (res: Response) => res.headers.get("location") ?? "";
const idFrom = (res: Response) => /\/imports\/([0-9a-f-]{36})$/.exec(location(res))?.[1] ?? "";
const enc = (s: string) => new TextEncoder().encode(s);
const BOM = [0xef, 0xbb, 0xbf];

function fileForm(content: Uint8Array | string, name: string, object = "contact") {
  const form = new FormData();
  form.set("object", object);
  form.set("file", new File([content as BlobPart], name, { type: "text/csv" }));
  return form;
}
const upload = (a: Account, content: Uint8Array | string, name = "people.csv", object = "contact") => a.client.post(base(a), fileForm(content, name, object));
const importRow = async (id: string) => (await t.su`select status, delimiter, has_bom, header, mapping, total_rows, created_count, updated_count, skipped_count from crm_imports where id = ${id}`)[0]!;
const mapping = (fields: string[]) => Object.fromEntries(fields.map((f, i) => [`col_${i}`, f]));
const selected = (html: string, col: number) => new RegExp(`name="col_${col}"[^>]*>(?:(?!</select>).)*<option value="([^"]*)" selected`, "s").exec(html)?.[1] ?? "";
const auditRows = (tenantId: string, action: string) => t.su<{ actor_id: string | null; target_id: string; changes: Record<string, unknown> | null }[]>`
  select actor_id, target_id, changes from audit_events where tenant_id = ${tenantId} and action = ${action} order by seq`;

/** Uploads a CSV, saves a mapping and starts it; the import's id. */
async function started(a: Account, csv: string, fields: string[], ws: Account = a) {
  const id = idFrom(await a.client.post(base(ws), fileForm(csv, "file.csv")));
  expect((await a.client.post(`${base(ws)}/${id}/mapping`, mapping(fields))).status).toBe(303);
  expect((await a.client.post(`${base(ws)}/${id}/run`)).status).toBe(303);
  return id;
}

beforeAll(async () => {
  const app = testApp({ db: t.db });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await createAccount(t, app);
  viewer = await createAccount(t, app);
  privacy = await createAccount(t, app);
  await addMember(t, owner.tenantId, member.user.id, "member");
  await addMember(t, owner.tenantId, viewer.user.id, "viewer");
  await addMember(t, owner.tenantId, privacy.user.id, "privacy");
  other = await createAccount(t, app, { workspace: "Other workspace" });
  otherImportId = await started(other, "Email,Name\nmarker@other.example,OTHER-WS-MARKER\n", ["emails", "full_name"]);
  await runDueJobs(t, jobDeps(t));
});
beforeEach(async () => {
  await t.su`delete from graphile_worker._private_jobs`;
});

describe("imports: upload", () => {
  test("a UTF-8 file with a BOM and commas answers 303 to its mapping page; the BOM is not part of the first column's name", async () => {
    const res = await member.client.post(base(), fileForm(new Uint8Array([...BOM, ...enc("Email,First name\r\nada@example.com,Ada\r\n")]), "bom.csv"));
    expect(res.status).toBe(303);
    const id = idFrom(res);
    expect(await importRow(id)).toMatchObject({ status: "uploaded", delimiter: ",", has_bom: true, header: ["Email", "First name"], mapping: null });
    const html = await (await member.client.get(location(res))).text();
    expect(html).toContain("separated by commas");
    expect(html).toContain(`action="${base()}/${id}/mapping"`);
  });

  test("a file without a BOM, separated by semicolons, is read with semicolons (commas inside values stay)", async () => {
    const id = idFrom(await upload(owner, "Name;Email;Title\nSmith, Ada;ada@example.com;CEO, founder\n"));
    expect(await importRow(id)).toMatchObject({ delimiter: ";", has_bom: false, header: ["Name", "Email", "Title"] });
    const html = await (await owner.client.get(`${base()}/${id}`)).text();
    expect(html).toContain("<td>Smith, Ada</td>");
    expect(html).toContain("<td>CEO, founder</td>");
  });

  test("quoted fields keep embedded delimiters, line breaks and doubled quotes, in the preview and in the records", async () => {
    const csv = 'Name,Email,Title\r\n"Lovelace, Ada",ada@example.com,"Line one\r\nLine two"\r\n"Say ""hi""",hi@example.com,plain\r\n';
    const id = await started(owner, csv, ["full_name", "emails", "title"]);
    await runDueJobs(t, jobDeps(t));
    expect(await importRow(id)).toMatchObject({ status: "done", created_count: 2, skipped_count: 0 });
    const rows = await t.su`select first_name, last_name, title from contacts where tenant_id = ${owner.tenantId} and emails && '{ada@example.com,hi@example.com}' order by title`;
    expect([...rows]).toEqual([
      { first_name: "Lovelace,", last_name: "Ada", title: "Line one\r\nLine two" },
      { first_name: "Say", last_name: '"hi"', title: "plain" },
    ]);
  });

  test("a file that is not UTF-8 is refused with 422 and says how to save it; nothing is stored", async () => {
    const before = (await t.su`select count(*)::int as n from crm_imports where tenant_id = ${owner.tenantId}`)[0]!.n;
    const latin1 = new Uint8Array([...enc("Name\nJos"), 0xe9, ...enc("\n")]);
    const res = await upload(owner, latin1);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("This file is not UTF-8 text. Save it as “CSV UTF-8”");
    const utf16 = await upload(owner, new Uint8Array([0xff, 0xfe, ...enc("N\0a\0")]));
    expect(utf16.status).toBe(422);
    expect(await utf16.text()).toContain("UTF-16");
    expect((await t.su`select count(*)::int as n from crm_imports where tenant_id = ${owner.tenantId}`)[0]!.n).toBe(before);
  });

  test("a missing file, an unknown object, a header without rows and a bad CSV are 422 with messages by the fields", async () => {
    const none = new FormData();
    none.set("object", "deal");
    const res = await owner.client.post(base(), none);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Choose what the file holds.");
    expect(html).toContain("Choose a CSV file to upload.");
    expect(await (await upload(owner, "Email\n")).text()).toContain("The file has a header line but no rows to import.");
    const broken = await upload(owner, 'Email\n"a@example.com\n');
    expect(broken.status).toBe(422);
    expect(await broken.text()).toContain("This file is not valid CSV");
  });

  test("a file over the cap is refused before it is read", async () => {
    const ctx: Ctx = { db: t.db.app, tenantId: owner.tenantId, actor: { type: "user", id: owner.user.id, role: "owner" }, now: new Date(), ip: null, userAgent: null };
    expect(uploadImport(ctx, "contact", new File(["Email\na@example.com\n"], "big.csv"), 10)).rejects.toBeInstanceOf(FileTooLarge);
  });
});

describe("imports: mapping and preview", () => {
  test("columns are pre-mapped by header name similarity; unknown columns are not imported", async () => {
    const id = idFrom(await upload(owner, "First Name,Surname,E-mail,Mobile,Job title,Company,Favourite colour\nAda,Lovelace,ada@example.com,+44 1,Countess,Engines,blue\n"));
    const html = await (await owner.client.get(`${base()}/${id}`)).text();
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => selected(html, i))).toEqual(["first_name", "last_name", "emails", "phones", "title", "company", ""]);
    expect(html).toContain("Save the mapping to start the import.");
  });

  test("the preview checks each row with the contact form's schema and says whether it creates or updates a record", async () => {
    await started(owner, "Email,Name\nknown@example.com,Known Person\n", ["emails", "full_name"]);
    await runDueJobs(t, jobDeps(t));
    const id = idFrom(await upload(owner, "Email,Name\nknown@example.com,Known Again\nnot-an-email,Bad Row\nnew@example.com,New Person\n"));
    const html = await (await owner.client.get(`${base()}/${id}`)).text();
    expect(html).toContain("Preview of the first 3 rows");
    expect(html).toContain("Updates a record");
    expect(html).toContain("Email: Value 1 is not an email address like name@example.com.");
    expect(html).toContain("New record");
  });

  test("saving a mapping answers 303 (with htmx, the refreshed region) and shows the Start button", async () => {
    const id = idFrom(await upload(owner, "Email,Name\na@example.com,A\n"));
    const res = await owner.client.post(`${base()}/${id}/mapping`, mapping(["emails", "full_name"]));
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${base()}/${id}?done=mapped`);
    expect(await importRow(id)).toMatchObject({ status: "mapped", mapping: ["emails", "full_name"] });
    const frag = await owner.client.htmx("POST", `${base()}/${id}/mapping`, mapping(["emails", ""]));
    expect(frag.status).toBe(200);
    const html = await frag.text();
    expect(html.startsWith('<div id="mapping">')).toBe(true);
    expect(html).toContain(`action="${base()}/${id}/run"`);
    expect(html).not.toContain("<html");
  });

  test("a mapping that imports a field twice or has no name column is 422 with messages by the columns; nothing is saved", async () => {
    const id = idFrom(await upload(owner, "Name,Title,Job\nAda,Countess,Engines\n"));
    const twice = await owner.client.post(`${base()}/${id}/mapping`, mapping(["full_name", "title", "title"]));
    expect(twice.status).toBe(422);
    expect(await twice.text()).toContain("Title is already imported from column 2.");
    const nameless = await owner.client.post(`${base()}/${id}/mapping`, mapping(["", "title", "nonsense"]));
    expect(nameless.status).toBe(422);
    const html = await nameless.text();
    expect(html).toContain("Choose a column for the contact&#39;s name or email.");
    expect(html).toContain("Choose a field from the list");
    expect(await importRow(id)).toMatchObject({ status: "uploaded", mapping: null });
    expect((await owner.client.post(`${base()}/${id}/run`)).status).toBe(422);
    expect(await queuedJobs(t)).toEqual([]);
  });

  test("markup in a header, a file name and a cell is shown as text", async () => {
    const id = idFrom(await upload(owner, '<b>Email</b>,Name\na@example.com,"<script>alert(1)</script>"\n', "<i>x</i>.csv"));
    const html = await (await owner.client.get(`${base()}/${id}`)).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<b>Email");
    expect(html).not.toContain("<i>x</i>");
    expect(html).toContain("&lt;b&gt;Email&lt;/b&gt;");
  });
});

describe("imports: run, progress and report", () => {
  test("starting queues one job with ids only; the progress fragment polls until done, then shows the counts and the skipped rows", async () => {
    const id = idFrom(await upload(owner, "Email,Name\nrun1@example.com,Run One\nbroken,Bad\n"));
    await owner.client.post(`${base()}/${id}/mapping`, mapping(["emails", "full_name"]));
    const run = await owner.client.post(`${base()}/${id}/run`);
    expect(run.status).toBe(303);
    expect(location(run)).toBe(`${base()}/${id}?done=started`);
    await owner.client.post(`${base()}/${id}/run`); // a second click queues nothing more
    const jobs = await queuedJobs(t);
    expect(jobs.map((j) => [j.task, j.payload])).toEqual([["crm-import", { tenantId: owner.tenantId, importId: id }]]);
    expect((await owner.client.post(`${base()}/${id}/mapping`, mapping(["emails", ""]))).status).toBe(409);

    const waiting = await owner.client.htmx("GET", `${base()}/${id}/progress`);
    const live = await waiting.text();
    expect(live).toContain(`hx-get="${base()}/${id}/progress"`);
    expect(live).toContain('hx-trigger="every 1s"');
    expect(live).toContain("<progress");
    expect(live).toContain(`<a href="${base()}/${id}">Refresh</a>`);
    expect(live).not.toContain("<html");

    await runDueJobs(t, jobDeps(t));
    const done = await (await owner.client.htmx("GET", `${base()}/${id}/progress`)).text();
    expect(done).not.toContain("hx-trigger");
    expect(done).toMatch(/<dt>Created<\/dt><dd>1<\/dd>/);
    expect(done).toMatch(/<dt>Skipped<\/dt><dd>1<\/dd>/);
    expect(done).toContain(`href="${base()}/${id}/rejected.csv"`);
    const page = await (await owner.client.get(`${base()}/${id}`)).text();
    expect(page).toContain("<h2>Done</h2>");

    const csv = await owner.client.get(`${base()}/${id}/rejected.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toStartWith('attachment; filename="people-rejected.csv"');
    expect(await csv.text()).toBe("Email,Name,reason\r\nbroken,Bad,Email: Value 1 is not an email address like name@example.com.\r\n");
  });

  test("the list shows past imports newest first, 50 a page, with a Next link", async () => {
    const now = Date.now();
    for (let i = 0; i < 52; i++) {
      await t.su`insert into crm_imports (tenant_id, id, object, filename, file, delimiter, header, status, created_at)
        values (${owner.tenantId}, ${Bun.randomUUIDv7()}, 'lead', ${`old-${i}.csv`}, ${Buffer.from("a\nb")}, ',', '{a}', 'uploaded', ${new Date(now - (i + 1) * 86_400_000)})`;
    }
    const first = await (await member.client.get(base())).text();
    expect(first).toContain('enctype="multipart/form-data"');
    const next = /href="([^"]+)" rel="next"/.exec(first)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBeTruthy();
    const second = await (await member.client.get(next!)).text();
    expect(second).toContain("old-51.csv");
    expect(first).not.toContain("old-51.csv");
    expect((await member.client.get(`${base()}?after=garbage`)).status).toBe(422);
  });
});

describe("imports: roles, isolation and audit", () => {
  test("roles: a viewer and a privacy officer cannot see, upload, map or run imports (403)", async () => {
    const id = idFrom(await upload(owner, "Email\na@example.com\n"));
    for (const a of [viewer, privacy]) {
      const paths = [`${base()}`, `${base()}/${id}`, `${base()}/${id}/progress`];
      for (const p of paths) expect([p, (await a.client.get(p)).status]).toEqual([p, 403]);
      expect((await a.client.post(base(), fileForm("Email\na@example.com\n", "x.csv"))).status).toBe(403);
      expect((await a.client.post(`${base()}/${id}/mapping`, mapping(["emails"]))).status).toBe(403);
      expect((await a.client.post(`${base()}/${id}/run`)).status).toBe(403);
    }
    expect(await importRow(id)).toMatchObject({ status: "uploaded", mapping: null });
  });

  test("P09 a member of workspace A gets 404 for every import route with workspace B's import id, and no B marker", async () => {
    const routes: [string, string][] = [
      ["GET", `${base()}/${otherImportId}`],
      ["GET", `${base()}/${otherImportId}/progress`],
      ["GET", `${base()}/${otherImportId}/rejected.csv`],
      ["POST", `${base()}/${otherImportId}/mapping`],
      ["POST", `${base()}/${otherImportId}/run`],
      ["GET", `${base()}/not-a-uuid`],
    ];
    for (const [method, path] of routes) {
      const res = await owner.client.request(method, path, method === "POST" ? { body: mapping(["emails"]) } : {});
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(await res.text()).not.toContain("OTHER-WS-MARKER");
    }
    const list = await (await owner.client.get(base())).text();
    expect(list).not.toContain(otherImportId);
  });

  test("P10 uploading, mapping, starting, finishing and downloading an import are audited with counts and no row data", async () => {
    const id = await started(member, "Email,Name\naudit@example.com,Audit Person\nbad,Row\n", ["emails", "full_name"], owner);
    await runDueJobs(t, jobDeps(t));
    await member.client.get(`${base()}/${id}/rejected.csv`);
    const events = await t.su<{ action: string; actor_id: string | null; changes: Record<string, unknown> }[]>`
      select action, actor_id, changes from audit_events where tenant_id = ${owner.tenantId} and target_id = ${id} order by seq`;
    expect(events.map((e) => e.action)).toEqual(["import.uploaded", "import.mapped", "import.started", "import.finished", "import.downloaded"]);
    expect(events.every((e) => e.actor_id === member.user.id)).toBe(true);
    expect(events[3]!.changes).toMatchObject({ object: "contact", outcome: "done", total_rows: 2, created_count: 1, updated_count: 0, skipped_count: 1 });
    const text = JSON.stringify(events);
    expect(text).not.toContain("audit@example.com");
    expect(text).not.toContain("Audit Person");
    expect((await auditRows(owner.tenantId, "import.started"))[0]).toBeTruthy();
  });
});
