import { beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type { Ctx } from "../../src/domain/context.ts";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { enqueue } from "../../src/domain/queue.ts";
import { purgeOldImports, saveMapping, startImport, uploadImport } from "../../src/domain/crm/imports.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, type Account } from "../support/factories.ts";
import { jobDeps, makeJobsDue, queuedJobs, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();
let acc: Account;

const ctxOf = (a: Account, now = new Date()): Ctx => ({ db: t.db.app, tenantId: a.tenantId, actor: { type: "user", id: a.user.id, label: a.user.name, role: "owner" }, now, ip: null, userAgent: null });

/** Uploads, maps (column i → fields[i]) and starts an import through the domain, as the routes do. */
async function queueImport(a: Account, object: string, csv: string | Uint8Array, fields: (string | null)[]): Promise<string> {
  const id = await uploadImport(ctxOf(a), object, new File([csv as BlobPart], `${object}s.csv`, { type: "text/csv" }));
  await saveMapping(ctxOf(a), id, Object.fromEntries(fields.map((f, i) => [`col_${i}`, f ?? ""])));
  await startImport(ctxOf(a), id);
  return id;
}

const importRow = async (id: string) =>
  (await t.su<{ status: string; total_rows: number | null; processed_rows: number; created_count: number; updated_count: number; skipped_count: number; rejected: Buffer | null; error: string | null }[]>`
    select status, total_rows, processed_rows, created_count, updated_count, skipped_count, rejected, error from crm_imports where id = ${id}`)[0]!;
const count = async (table: string, tenantId: string) => (await t.su.unsafe(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]))[0]!.n as number;
const run = () => runDueJobs(t, jobDeps(t));

beforeAll(async () => {
  acc = await createAccount(t, testApp({ db: t.db }));
});
beforeEach(async () => {
  await t.su`delete from graphile_worker._private_jobs`;
  for (const table of ["contacts", "companies", "leads", "crm_imports"]) await t.su.unsafe(`delete from ${table} where tenant_id = $1`, [acc.tenantId]);
});

describe("crm-import job", () => {
  test("contacts: new rows are created, a row whose email exists updates that contact, invalid rows are skipped into a rejected CSV with reasons", async () => {
    const now = new Date();
    await inTransaction(systemCtx(t.db.app, now, acc.tenantId), (tx) =>
      tx.db.insertInto("contacts").values({ tenant_id: acc.tenantId, id: Bun.randomUUIDv7(), first_name: "Old", last_name: "Name", emails: ["grace@navy.example"], phones: ["+1 555 0100"], title: "Rear admiral", created_at: now, updated_at: now, created_by: null }).execute(),
    );
    const csv = [
      "First name,Last name,Email,Phone,Title",
      "Ada,Lovelace,ada@example.com,+44 20 7946 0000,Countess",
      "Grace,Hopper,GRACE@navy.example,+1 555 0199,", // matches by email (any case): updates, keeps the old title (empty cell)
      "Bad,Email,not-an-email,,",
      ",,,,Nobody", // no name and no email
      ",,,,", // a spreadsheet's trailing empty row: not a row
      "Alan,Turing,alan@example.com; turing@example.com,,Mathematician",
    ].join("\n");
    const id = await queueImport(acc, "contact", csv, ["first_name", "last_name", "emails", "phones", "title"]);
    await run();
    const r = await importRow(id);
    expect(r).toMatchObject({ status: "done", total_rows: 5, processed_rows: 5, created_count: 2, updated_count: 1, skipped_count: 2, error: null });
    expect(await count("contacts", acc.tenantId)).toBe(3);
    const [grace] = await t.su`select first_name, last_name, emails, phones, title from contacts where 'grace@navy.example' = any(emails)`;
    expect(grace).toMatchObject({ first_name: "Grace", last_name: "Hopper", emails: ["grace@navy.example"], phones: ["+1 555 0100", "+1 555 0199"], title: "Rear admiral" });
    const [alan] = await t.su`select emails, created_by from contacts where last_name = 'Turing'`;
    expect(alan).toMatchObject({ emails: ["alan@example.com", "turing@example.com"], created_by: acc.user.id });

    const rejected = r.rejected!.toString("utf8").split("\r\n");
    expect(rejected[0]).toBe("First name,Last name,Email,Phone,Title,reason");
    expect(rejected[1]).toMatch(/^Bad,Email,not-an-email,,,Email: Value 1 is not an email address/);
    expect(rejected[2]).toMatch(/^,,,,Nobody,First name: Enter a first or last name, or an email address\.$|^,,,,Nobody,"First name: Enter a first or last name, or an email address\."$/);
    expect(await queuedJobs(t)).toEqual([]);
  });

  test("companies match by domain and leads by email, so a second import of the same file updates instead of duplicating", async () => {
    const companies = "Name;Website;Industry\nAcme;https://www.acme.example/about;Anvils\nGlobex;globex.example;\n";
    await queueImport(acc, "company", companies, ["name", "domain", "industry"]);
    await run();
    const again = "Name;Website;Industry\nAcme Corp;acme.example;Rockets\n";
    const second = await queueImport(acc, "company", again, ["name", "domain", "industry"]);
    await run();
    expect(await importRow(second)).toMatchObject({ created_count: 0, updated_count: 1 });
    const rows = await t.su`select name, domain, industry from companies where tenant_id = ${acc.tenantId} order by domain`;
    expect([...rows]).toEqual([
      { name: "Acme Corp", domain: "acme.example", industry: "Rockets" },
      { name: "Globex", domain: "globex.example", industry: null },
    ]);

    const leads = "Name,Email,Status,UTM source\nAda,Ada@Example.com,Contacted,fair\nAda twice,ada@example.com,,\nBob,bob@example.com,maybe,\n";
    const id = await queueImport(acc, "lead", leads, ["name", "email", "status", "utm_source"]);
    await run();
    expect(await importRow(id)).toMatchObject({ status: "done", created_count: 1, updated_count: 1, skipped_count: 1 });
    const lead = await t.su`select name, email, status, utm_source from leads where tenant_id = ${acc.tenantId}`;
    // The later row wins for the cells it has; its empty cells keep what the first row set.
    expect([...lead]).toEqual([{ name: "Ada twice", email: "ada@example.com", status: "contacted", utm_source: "fair" }]);
    expect((await importRow(id)).rejected!.toString()).toContain("Status: Choose one of the statuses listed.");
  });

  test("a contact's company column links an existing company by name or creates it once", async () => {
    const now = new Date();
    const acme = Bun.randomUUIDv7();
    await inTransaction(systemCtx(t.db.app, now, acc.tenantId), (tx) =>
      tx.db.insertInto("companies").values({ tenant_id: acc.tenantId, id: acme, name: "Acme", created_at: now, updated_at: now, created_by: null }).execute(),
    );
    const csv = "Name,Email,Company\nAda Lovelace,ada@example.com,ACME\nCharles Babbage,charles@example.com,Engines Ltd\nMary Somerville,mary@example.com,engines ltd\n";
    const id = await queueImport(acc, "contact", csv, ["full_name", "emails", "company"]);
    await run();
    expect(await importRow(id)).toMatchObject({ created_count: 3, skipped_count: 0 });
    const rows = await t.su`select k.first_name, k.last_name, c.name as company from contacts k join companies c on c.tenant_id = k.tenant_id and c.id = k.company_id where k.tenant_id = ${acc.tenantId} order by k.last_name`;
    expect([...rows]).toEqual([
      { first_name: "Charles", last_name: "Babbage", company: "Engines Ltd" },
      { first_name: "Ada", last_name: "Lovelace", company: "Acme" },
      { first_name: "Mary", last_name: "Somerville", company: "Engines Ltd" },
    ]);
  });

  test("an owner column takes a member's email; an unknown one skips the row with a reason", async () => {
    const csv = `Name,Owner email\nLinked,${acc.user.email.toUpperCase()}\nStranger,nobody@example.com\n`;
    const id = await queueImport(acc, "lead", csv, ["name", "owner_email"]);
    await run();
    expect(await importRow(id)).toMatchObject({ created_count: 1, skipped_count: 1 });
    expect([...(await t.su`select name, owner_id from leads where tenant_id = ${acc.tenantId}`)]).toEqual([{ name: "Linked", owner_id: acc.user.id }]);
    expect((await importRow(id)).rejected!.toString()).toContain("Owner: no member of this workspace has that email address.");
  });

  test("a job that dies mid-import resumes after the last committed batch without creating anything twice", async () => {
    const lines = ["Email,First name"];
    for (let i = 0; i < 1234; i++) lines.push(`p${i}@example.com,P${i}`);
    const id = await queueImport(acc, "contact", lines.join("\n"), ["emails", "first_name"]);
    // The worker dies while writing the second batch: its transaction fails and rolls back as a crash would.
    await t.su.unsafe(`create or replace function public.crash_import() returns trigger language plpgsql as $$ begin raise exception 'worker crashed'; end $$`);
    await t.su.unsafe(`create trigger crash_import before update on crm_imports for each row when (new.processed_rows > 500) execute function public.crash_import()`);
    try {
      await run();
    } finally {
      await t.su.unsafe(`drop trigger crash_import on crm_imports; drop function public.crash_import()`);
    }
    const mid = await importRow(id);
    expect(mid).toMatchObject({ status: "running", total_rows: 1234, processed_rows: 500, created_count: 500 });
    expect(await count("contacts", acc.tenantId)).toBe(500);
    const [job] = await queuedJobs(t);
    expect(job!.last_error).toContain("worker crashed");

    await makeJobsDue(t);
    await run();
    expect(await importRow(id)).toMatchObject({ status: "done", processed_rows: 1234, created_count: 1234, updated_count: 0, skipped_count: 0 });
    expect(await count("contacts", acc.tenantId)).toBe(1234);
    const [dups] = await t.su`select count(*)::int as n from (select unnest(emails) e from contacts where tenant_id = ${acc.tenantId} group by 1 having count(*) > 1) d`;
    expect(dups!.n).toBe(0);
    // A stray retry of a finished import changes nothing.
    await enqueue(systemCtx(t.db.app, new Date(), acc.tenantId), "crm-import", { tenantId: acc.tenantId, importId: id });
    await run();
    expect(await count("contacts", acc.tenantId)).toBe(1234);
  });

  test("a file that is not valid CSV further down fails before any row is written, with the parser's reason", async () => {
    const id = await queueImport(acc, "contact", 'Email\na@example.com\nb@example.com\n"unclosed\n', ["emails"]);
    await run();
    const r = await importRow(id);
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/^The file could not be read: .*Quote Not Closed/);
    expect(await count("contacts", acc.tenantId)).toBe(0);
    const [ev] = await t.su`select changes from audit_events where tenant_id = ${acc.tenantId} and action = 'import.finished' and target_id = ${id}`;
    expect(ev!.changes).toMatchObject({ outcome: "failed", created_count: 0 });
  });

  test("custom fields are imported through their schema: typed values stored, bad values skipped with the field's label", async () => {
    await t.su`insert into custom_field_definitions (tenant_id, id, object, key, label, type, options, created_at)
      values (${acc.tenantId}, ${Bun.randomUUIDv7()}, 'contact', 'tier', 'Tier', 'select', '{Gold,Silver}', now()),
             (${acc.tenantId}, ${Bun.randomUUIDv7()}, 'contact', 'seats', 'Seats', 'number', '{}', now())`;
    const id = await queueImport(acc, "contact", "Email,Tier,Seats\na@example.com,Gold,12\nb@example.com,Bronze,3\n", ["emails", "cf_tier", "cf_seats"]);
    await run();
    expect(await importRow(id)).toMatchObject({ created_count: 1, skipped_count: 1 });
    expect([...(await t.su`select custom from contacts where tenant_id = ${acc.tenantId}`)]).toEqual([{ custom: { tier: "Gold", seats: 12 } }]);
    expect((await importRow(id)).rejected!.toString()).toContain("b@example.com,Bronze,3,Tier: Choose one of the options listed.");
    await t.su`delete from custom_field_definitions where tenant_id = ${acc.tenantId}`;
  });

  test("5,000 contacts import in ten batches; a row matching a record an earlier batch created updates it", async () => {
    const lines = ["First name,Last name,Email,Phone,Title"];
    for (let i = 0; i < 5_000; i++) lines.push(`First${i},"Last, ${i}",person${i}@example.com,+1 555 ${String(i).padStart(6, "0")},Engineer`);
    lines.push("Again,Zero,PERSON0@example.com,,Manager");
    const id = await queueImport(acc, "contact", lines.join("\r\n"), ["first_name", "last_name", "emails", "phones", "title"]);
    const started = performance.now();
    await run();
    const ms = performance.now() - started;
    console.log(`crm-import: 5,001 contact rows in ${ms.toFixed(0)} ms`);
    expect(await importRow(id)).toMatchObject({ status: "done", total_rows: 5_001, created_count: 5_000, updated_count: 1, skipped_count: 0 });
    expect(await count("contacts", acc.tenantId)).toBe(5_000);
    const [zero] = await t.su`select first_name, last_name, title, phones from contacts where 'person0@example.com' = any(emails)`;
    expect(zero).toMatchObject({ first_name: "Again", last_name: "Zero", title: "Manager", phones: ["+1 555 000000"] });
    expect(ms).toBeLessThan(20_000);
  });
});

describe("import retention", () => {
  test("imports are deleted 30 days after they finish (never-run uploads 30 days after upload), each workspace's purge audited", async () => {
    const day = 86_400_000;
    const now = new Date("2025-06-01T00:00:00Z");
    const ids = { old: Bun.randomUUIDv7(), fresh: Bun.randomUUIDv7(), abandoned: Bun.randomUUIDv7() };
    const insert = (id: string, status: string, created: Date, finished: Date | null) =>
      t.su`insert into crm_imports (tenant_id, id, object, filename, file, delimiter, header, status, created_at, finished_at)
        values (${acc.tenantId}, ${id}, 'contact', 'x.csv', ${Buffer.from("a\nb")}, ',', '{a}', ${status}, ${created}, ${finished})`;
    await insert(ids.old, "done", new Date(now.getTime() - 40 * day), new Date(now.getTime() - 31 * day));
    await insert(ids.fresh, "done", new Date(now.getTime() - 40 * day), new Date(now.getTime() - 29 * day));
    await insert(ids.abandoned, "uploaded", new Date(now.getTime() - 31 * day), null);
    expect(await purgeOldImports(t.db.owner, now)).toBe(2);
    expect((await t.su`select id from crm_imports where tenant_id = ${acc.tenantId}`).map((r) => r.id)).toEqual([ids.fresh]);
    const [ev] = await t.su`select actor_type, changes from audit_events where tenant_id = ${acc.tenantId} and action = 'import.purged'`;
    expect(ev).toMatchObject({ actor_type: "system", changes: { deleted: 2 } });
    expect(await purgeOldImports(t.db.owner, now)).toBe(0);
  });
});
