import { beforeAll, describe, expect, test } from "bun:test";
import { brotliCompressSync, constants } from "node:zlib";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";

// The weight budget with a large workspace's numbers (issue 7, item 10): 500 employees in 40 crews, 80 projects,
// everyone on a project Monday to Friday and some double-booked. The grid pages by whole crews (60 rows a page),
// the by-project view by 20 projects; each page must stay within 15 KB compressed, and the week's Excel file
// (all 500 people) must build in well under a second.

const t = useTestDatabase();
let owner: Account;
let app: ReturnType<typeof testApp>;
const NOW = new Date("2025-03-05T12:00:00Z");
const DAYS = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"];

beforeAll(async () => {
  app = testApp({ db: t.db, now: () => NOW });
  owner = await createAccount(t, app);
  const tenant = owner.tenantId;
  const first = ["Alex", "Sam", "Jordan", "Casey", "Morgan", "Taylor", "Riley", "Jamie", "Drew", "Quinn", "Avery", "Reese"];
  const last = ["Garcia", "Smith", "Johnson", "Nguyen", "Okafor", "Kowalski", "Hernandez", "Müller", "O'Brien", "Rossi", "Tanaka", "Dubois"];
  const projects = Array.from({ length: 80 }, (_, i) => ({ tenant_id: tenant, id: Bun.randomUUIDv7(), name: `${["North", "South", "East", "West"][i % 4]} ${["Tower", "Garage", "Bridge", "School", "Hospital"][i % 5]} phase ${i + 1}`, number: `P-${1000 + i}`, color: `#${((i * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(0, 6)}`, status: "active", created_at: NOW, updated_at: NOW }));
  const employees: { tenant_id: string; id: string; name: string; trade: string; foreman_id: string | null; email: string | null; created_at: Date; updated_at: Date }[] = [];
  for (let c = 0; c < 40; c++) {
    const foreman = { tenant_id: tenant, id: Bun.randomUUIDv7(), name: `${first[c % 12]} ${last[(c * 5) % 12]} ${c}`, trade: "Foreman", foreman_id: null, email: `f${c}@example.com`, created_at: NOW, updated_at: NOW };
    employees.push(foreman);
    for (let i = 0; i < 12 && employees.length < 480; i++) {
      const n = employees.length;
      employees.push({ tenant_id: tenant, id: Bun.randomUUIDv7(), name: `${first[n % 12]} ${last[(n * 7) % 12]}-${n}`, trade: ["Finisher", "Laborer", "Carpenter", "Operator"][n % 4]!, foreman_id: foreman.id, email: n % 9 ? `e${n}@example.com` : null, created_at: NOW, updated_at: NOW });
    }
  }
  while (employees.length < 500) employees.push({ tenant_id: tenant, id: Bun.randomUUIDv7(), name: `Loose Worker ${employees.length}`, trade: "Laborer", foreman_id: null, email: null, created_at: NOW, updated_at: NOW });
  type Row = Record<string, string | number | Date | null>;
  const assignments: Row[] = employees.flatMap((e, n) =>
    DAYS.flatMap((day, d): Row[] => {
      const base = { tenant_id: tenant, employee_id: e.id, day, created_at: NOW, hours: null as number | null, start_time: null as string | null };
      if (n % 23 === 0 && d === 2) return [{ ...base, id: Bun.randomUUIDv7(), kind: "pto", project_id: null }];
      const p = projects[(Math.floor(n / 13) + (d === 4 ? 1 : 0)) % 80]!;
      const row = { ...base, id: Bun.randomUUIDv7(), kind: "project", project_id: p.id, hours: 8, start_time: "07:00" };
      return n % 31 === 0 && d === 1 ? [row, { ...base, id: Bun.randomUUIDv7(), kind: "project", project_id: projects[(n + 40) % 80]!.id }] : [row];
    }),
  );
  await t.su`insert into crew_projects ${t.su(projects)}`;
  for (let i = 0; i < employees.length; i += 100) await t.su`insert into crew_employees ${t.su(employees.slice(i, i + 100))}`;
  for (let i = 0; i < assignments.length; i += 500) await t.su`insert into crew_assignments ${t.su(assignments.slice(i, i + 500))}`;
});

const sizes = (html: string) => ({ gzip: Bun.gzipSync(html).length, brotli: brotliCompressSync(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length });

describe("the schedule at 500 employees", () => {
  test("every page of the grid stays within 15 KB compressed, and the pages together show all 500 people once", async () => {
    const first = await (await owner.client.get(`/t/${owner.slug}/crews/schedule?week=2025-W10`)).text();
    const links = [...new Set([...first.matchAll(/(?:[?]|&amp;)page=(\d+)/g)].map((m) => Number(m[1])))];
    const all = [1, ...links].sort((a, b) => a - b);
    const seen = new Set<string>();
    const report: string[] = [];
    for (const n of all) {
      const res = await owner.client.get(`/t/${owner.slug}/crews/schedule?week=2025-W10&page=${n}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      for (const m of html.matchAll(/<tr id="r-([0-9a-f-]{36})"/g)) {
        expect(seen.has(m[1]!)).toBe(false);
        seen.add(m[1]!);
      }
      const s = sizes(html);
      report.push(`page ${n}: ${html.length} B raw, ${s.gzip} B gzip, ${s.brotli} B brotli`);
      expect(s.gzip).toBeLessThan(15_000);
    }
    expect(seen.size).toBe(500);
    console.log(`schedule grid, 500 employees, ${all.length} pages:\n  ${report.join("\n  ")}`);
  });

  test("a single crew (the foreman filter) and the by-project pages stay within budget too", async () => {
    const first = await (await owner.client.get(`/t/${owner.slug}/crews/schedule?week=2025-W10`)).text();
    const foreman = /<option value="([0-9a-f-]{36})"/.exec(first)![1]!;
    const one = await (await owner.client.get(`/t/${owner.slug}/crews/schedule?week=2025-W10&foreman=${foreman}`)).text();
    expect((one.match(/<tr id="r-/g) ?? []).length).toBe(13);
    for (const page of [1, 2, 3, 4]) {
      const html = await (await owner.client.get(`/t/${owner.slug}/crews/schedule/projects?week=2025-W10&page=${page}`)).text();
      const s = sizes(html);
      console.log(`by project page ${page}: ${html.length} B raw, ${s.gzip} B gzip, ${s.brotli} B brotli`);
      expect(s.gzip).toBeLessThan(15_000);
    }
  });

  test("a grid page answers in a few milliseconds (one client, sequential; the bench measures concurrency)", async () => {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const start = performance.now();
      const res = await owner.client.get(`/t/${owner.slug}/crews/schedule?week=2025-W10&page=${1 + (i % 9)}`);
      await res.text();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(`schedule grid page, 500 employees: median ${times[10]!.toFixed(1)} ms, worst ${times[20]!.toFixed(1)} ms`);
    expect(times[10]!).toBeLessThan(100);
  });

  test("the week's Excel file for 500 people builds in well under a second", async () => {
    await owner.client.get(`/t/${owner.slug}/crews/schedule.xlsx?week=2025-W10`); // warm up
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const res = await owner.client.get(`/t/${owner.slug}/crews/schedule.xlsx?week=2025-W10`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(`weekly Excel, 500 people: median ${times[2]!.toFixed(0)} ms, worst ${times[4]!.toFixed(0)} ms`);
    expect(times[2]!).toBeLessThan(1000);
  });
});
