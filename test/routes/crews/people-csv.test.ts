import { beforeAll, describe, expect, test } from "bun:test";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, memberOf, type Account } from "../../support/factories.ts";
import { purgeOldCrewImports } from "../../../src/domain/crews/crew-imports.ts";

const t = useTestDatabase();
let owner: Account;
let member: Account;
let viewer: Account;

const base = () => `/t/${owner.slug}/crews`;
const location = (res: Response) => res.headers.get("location") ?? "";
function csvForm(content: string | Uint8Array, name = "people.csv") {
  const form = new FormData();
  form.set("file", new File([content as BlobPart], name, { type: "text/csv" }));
  return form;
}
async function report(res: Response) {
  expect(res.status).toBe(303);
  const id = location(res).split("?")[0]!.split("/").pop()!;
  const [row] = await t.su<{ total_rows: number; created_count: number; updated_count: number; rejected_count: number }[]>`
    select total_rows, created_count, updated_count, rejected_count from crew_imports where id = ${id}`;
  return { id, ...row! };
}

beforeAll(async () => {
  const app = testApp({ db: t.db, now: () => new Date("2026-03-02T12:00:00Z") });
  owner = await createAccount(t, app, { name: "Olive Owner" });
  member = await memberOf(t, app, owner, "member");
  viewer = await memberOf(t, app, owner, "viewer");
});

describe("employees CSV", () => {
  test("an import with BOM and semicolons creates people, regions by name and foremen by name (even a later row)", async () => {
    const file = "\uFEFFname;trade;foreman;region;phone;email;active\r\nAna Alvarez;Finisher;Fred Foreman;North;+1 555 0101;ana@example.com;yes\r\nFred Foreman;Foreman;;North;;fred@example.com;yes\r\n";
    const r = await report(await member.client.post(`${base()}/employees/imports`, csvForm(file)));
    expect(r).toMatchObject({ total_rows: 2, created_count: 2, updated_count: 0, rejected_count: 0 });
    const rows = await t.su`select e.name, f.name as foreman, r.name as region from crew_employees e left join crew_employees f on f.id = e.foreman_id left join crew_regions r on r.id = e.region_id where e.tenant_id = ${owner.tenantId} order by e.name`;
    expect([...rows]).toEqual([{ name: "Ana Alvarez", foreman: "Fred Foreman", region: "North" }, { name: "Fred Foreman", foreman: null, region: "North" }]);
    const page = await (await member.client.get(`${base()}/imports/${r.id}`)).text();
    expect(page).toContain("Import of people.csv");
  });

  test("export → edit → import updates the same people (matched by email, else name) instead of duplicating", async () => {
    const res = await viewer.client.get(`${base()}/employees.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith("name,trade,foreman,region,phone,email,active")).toBe(true);
    expect(text).toContain("'+1 555 0101");
    const edited = text.replace("Ana Alvarez,Finisher", "Ana Alvarez-Ruiz,Finisher").replace("Fred Foreman,Foreman,,North,,fred@example.com,yes", "Fred Foreman,Foreman,,South,,fred@example.com,no");
    const r = await report(await member.client.post(`${base()}/employees/imports`, csvForm(edited, "edited.csv")));
    expect(r).toMatchObject({ created_count: 0, updated_count: 2, rejected_count: 0 });
    const rows = await t.su`select name, phone, active, (select name from crew_regions r where r.id = e.region_id) as region from crew_employees e where tenant_id = ${owner.tenantId} order by name`;
    expect([...rows]).toEqual([
      { name: "Ana Alvarez-Ruiz", phone: "+1 555 0101", active: true, region: "North" },
      { name: "Fred Foreman", phone: null, active: false, region: "South" },
    ]);
    const again = await report(await member.client.post(`${base()}/employees/imports`, csvForm(edited, "again.csv")));
    expect(again).toMatchObject({ created_count: 0, updated_count: 0, rejected_count: 0 });
    const [audit] = await t.su`select changes from audit_events where tenant_id = ${owner.tenantId} and action = 'export.downloaded' order by seq desc limit 1`;
    expect(audit!.changes).toEqual({ kind: "crew_employees", rows: 2 });
  });

  test("rejected rows are kept with reasons and downloadable; good rows still import", async () => {
    const file = [
      "name,trade,foreman,email,active",
      ",Laborer,,,yes",
      "Gus Good,Laborer,,gus@example.com,yes",
      "Nora Nobody,Laborer,Ghost Foreman,,yes",
      "Bad Mail,Laborer,,not-mail,yes",
      "Maybe,Laborer,,,perhaps",
      "Sol Self,Foreman,Sol Self,,yes",
    ].join("\n");
    const r = await report(await member.client.post(`${base()}/employees/imports`, csvForm(file, "mixed.csv")));
    expect(r).toMatchObject({ total_rows: 6, created_count: 1, rejected_count: 5 });
    const dl = await member.client.get(`${base()}/imports/${r.id}/rejected.csv`);
    expect(dl.status).toBe(200);
    const text = await dl.text();
    expect(text).toContain("reason");
    expect(text).toContain("Line 2: the name is missing");
    expect(text).toContain("no employee is called Ghost Foreman");
    expect(text).toContain("Line 6: active must be yes or no");
    expect(text).toContain("cannot be their own foreman");
    expect((await viewer.client.get(`${base()}/imports/${r.id}/rejected.csv`)).status).toBe(403);
  });

  test("an import that would make a foreman loop rejects the row that closes it", async () => {
    await report(await member.client.post(`${base()}/employees/imports`, csvForm("name,trade,foreman\nLoop A,Foreman,\nLoop B,Foreman,Loop A\n", "loop1.csv")));
    const r = await report(await member.client.post(`${base()}/employees/imports`, csvForm("name,trade,foreman\nLoop A,Foreman,Loop B\n", "loop2.csv")));
    expect(r.rejected_count).toBe(1);
    const rows = await t.su<{ name: string; foreman: string | null }[]>`select e.name, f.name as foreman from crew_employees e left join crew_employees f on f.id = e.foreman_id where e.tenant_id = ${owner.tenantId} and e.name like 'Loop%' order by e.name`;
    expect([...rows]).toEqual([{ name: "Loop A", foreman: null }, { name: "Loop B", foreman: "Loop A" }]);
  });

  test("a file that is not a CSV of employees is a 422 on the form; viewers get 403", async () => {
    const res = await member.client.post(`${base()}/employees/imports`, csvForm("foo,bar\n1,2\n"));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Missing: name, trade");
    expect((await member.client.post(`${base()}/employees/imports`, csvForm(new Uint8Array([0xff, 0xfe, 0x41, 0])))).status).toBe(422);
    expect((await viewer.client.post(`${base()}/employees/imports`, csvForm("name,trade\nA,B\n"))).status).toBe(403);
  });

  test("5,000 employees import inline in under two seconds", async () => {
    const lines = ["name,trade,foreman,region,phone,email"];
    for (let i = 0; i < 5000; i++) lines.push(`Bulk Person ${i},${i % 40 === 0 ? "Foreman" : "Laborer"},${i % 40 === 0 ? "" : `Bulk Person ${i - (i % 40)}`},Region ${i % 5},+1 555 ${String(i).padStart(4, "0")},bulk${i}@example.com`);
    const t0 = performance.now();
    const r = await report(await member.client.post(`${base()}/employees/imports`, csvForm(lines.join("\n"), "bulk.csv")));
    const seconds = (performance.now() - t0) / 1000;
    console.log(`5,000-row employee import: ${seconds.toFixed(2)} s`);
    expect(r).toMatchObject({ created_count: 5000, rejected_count: 0 });
    expect(seconds).toBeLessThan(2);
    const t1 = performance.now();
    const again = await report(await member.client.post(`${base()}/employees/imports`, csvForm(lines.join("\n").replaceAll(",Laborer,", ",Finisher,"), "bulk2.csv")));
    console.log(`5,000-row employee re-import (updates): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
    expect(again).toMatchObject({ created_count: 0, updated_count: 4875 });
  });
});

describe("projects CSV", () => {
  test("export → import round trip updates by number, else name; manager by member email; bad rows rejected", async () => {
    const p = new URLSearchParams({ name: "Dock 9", number: "D-9", customer: "Port", region_id: "", address: "9 Dock", latitude: "40.7", longitude: "-74", starts_on: "2026-01-01", ends_on: "2026-12-31", status: "active", color: "#ff7f0e", manager_id: member.user.id });
    expect((await member.client.post(`${base()}/projects`, p)).status).toBe(303);
    const text = await (await viewer.client.get(`${base()}/projects.csv`)).text();
    expect(text).toContain("Dock 9,D-9,Port,,9 Dock,40.7,-74,2026-01-01,2026-12-31,active,#ff7f0e");
    const edited = text.replace(",active,#ff7f0e", ",On hold,#ff7f0e") + "Mill Road;;;;;;;;;;;\nNew Yard,Y-1,,West,,,,,,bid,#2ca02c,\nBad Geo,B-1,,,,95,10,,,active,,\nWho,W-1,,,,,,,,active,,stranger@example.com\n";
    const r = await report(await member.client.post(`${base()}/projects/imports`, csvForm(edited.replace("Mill Road;;;;;;;;;;;\n", ""), "projects.csv")));
    expect(r).toMatchObject({ created_count: 1, updated_count: 1, rejected_count: 2 });
    const rows = await t.su`select name, number, status, manager_id from crew_projects where tenant_id = ${owner.tenantId} order by name`;
    expect([...rows]).toEqual([
      { name: "Dock 9", number: "D-9", status: "on_hold", manager_id: member.user.id },
      { name: "New Yard", number: "Y-1", status: "bid", manager_id: null },
    ]);
    const rejected = await (await member.client.get(`${base()}/imports/${r.id}/rejected.csv`)).text();
    expect(rejected).toContain("latitude must be between -90 and 90");
    expect(rejected).toContain("stranger@example.com is not a member");
  });
});

describe("import report retention", () => {
  test("reports (with their rejected rows) are purged 30 days after the import, audited", async () => {
    const [before] = await t.su<{ n: number }[]>`select count(*)::int as n from crew_imports where tenant_id = ${owner.tenantId}`;
    expect(before!.n).toBeGreaterThan(0);
    expect(await purgeOldCrewImports(t.db.owner, new Date("2026-03-30T12:00:00Z"))).toBe(0);
    expect(await purgeOldCrewImports(t.db.owner, new Date("2026-04-02T12:00:00Z"))).toBe(before!.n);
    const [audit] = await t.su`select changes from audit_events where tenant_id = ${owner.tenantId} and action = 'import.purged'`;
    expect(audit!.changes).toMatchObject({ kind: "crews", deleted: before!.n });
  });
});
