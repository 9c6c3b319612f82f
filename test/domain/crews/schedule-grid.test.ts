import { beforeAll, describe, expect, test } from "bun:test";
import { inTransaction, systemCtx, type Ctx } from "../../../src/domain/context.ts";
import { loadGrid, type Grid, type GridCell } from "../../../src/domain/crews/schedule-grid.ts";
import { groupByForeman, pageCrews, ROWS_PER_PAGE, weekCells, weekInfo, type Crew, type Person } from "../../../src/domain/crews/schedule.ts";
import { parseWeek } from "../../../src/domain/crews/week.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";

// The grid reads one page of crews (schedule-grid.ts): crew heads and sizes counted in SQL, then only the page's
// people and cells. The page must be exactly what grouping everyone (groupByForeman, as the distribution emails and
// the Excel file still do) and paging the result gives. Random rosters, each checked on every page and crew filter:
// foremen by trade (any case) and by having people under them, foremen under foremen, inactive foremen, people with
// no foreman, crews longer than a page, names that differ only in case or accents, and names that are equal.

const t = useTestDatabase();
let owner: Account;
const NOW = new Date("2025-03-05T12:00:00Z");
const WEEK = parseWeek("2025-W10", 1)!;
const DAYS = weekInfo(WEEK, 1).days;
const ctx = (): Ctx => ({ ...systemCtx(t.db.app, NOW, owner.tenantId), actor: { type: "user", id: owner.user.id, role: "viewer" } });

/** mulberry32: a seeded generator, so a failing roster can be replayed by its number. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["Ana Diaz", "ana diaz", "Ána Díaz", "Ben Okafor", "Zoe Young", "Élise Roux", "Eli Rossi", "O'Brien", "Müller", "Mueller", "Zed", "abe"];
const TRADES = ["Laborer", "Finisher", "Foreman", "FOREMAN", "foreman", "Carpenter", "Foreman assistant"];

async function clear(): Promise<void> {
  await t.su`delete from crew_assignments where tenant_id = ${owner.tenantId}`;
  await t.su`delete from crew_employees where tenant_id = ${owner.tenantId}`;
  await t.su`delete from crew_projects where tenant_id = ${owner.tenantId}`;
}

/** Replaces the workspace's people, projects and week with a random roster. */
async function roster(seed: number): Promise<void> {
  const r = prng(seed);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  await clear();
  // Sizes that give one page, a few pages, and crews longer than a page.
  const n = pick([0, 1, 7, 45, 130, 260]);
  const bosses = Math.max(1, Math.floor(n * pick([0, 0.02, 0.1])));
  const stamp = { tenant_id: owner.tenantId, created_at: NOW, updated_at: NOW };
  const people = Array.from({ length: n }, (_, i) => ({
    ...stamp,
    id: Bun.randomUUIDv7(),
    name: r() < 0.5 ? pick(NAMES) : `${pick(NAMES)} ${i}`,
    trade: r() < 0.05 ? pick(TRADES) : pick(["Laborer", "Finisher"]),
    foreman_id: null as string | null,
    active: r() > 0.08,
  }));
  for (const [i, p] of people.entries()) {
    const roll = r();
    // Most work under one of the first few people; some under anyone (foremen under foremen); some under nobody.
    if (roll < 0.75 && bosses > 0) p.foreman_id = people[Math.floor(r() * bosses)]!.id;
    else if (roll < 0.85 && n > 1) p.foreman_id = people[(i + 1 + Math.floor(r() * (n - 1))) % n]!.id;
    if (p.foreman_id === p.id) p.foreman_id = null;
  }
  const projects = Array.from({ length: 6 }, (_, i) => ({ ...stamp, id: Bun.randomUUIDv7(), name: `Project ${"ABCDEF"[i]}`, color: `#${(0x123456 * (i + 1)).toString(16).slice(-6)}` }));
  type Assignment = { tenant_id: string; id: string; employee_id: string; day: string; kind: string; project_id: string | null; hours: number | null; created_at: Date };
  const assignments = people.flatMap((p) =>
    DAYS.flatMap((day): Assignment[] => {
      const roll = r();
      const row = { tenant_id: owner.tenantId, employee_id: p.id, day, created_at: NOW, hours: r() < 0.3 ? 7.5 : null };
      if (roll < 0.2) return [];
      if (roll < 0.3) return [{ ...row, id: Bun.randomUUIDv7(), kind: pick(["pto", "sick", "training", "off"]), project_id: null, hours: null }];
      const first = pick(projects);
      const second = roll > 0.95 ? projects.find((x) => x !== first)! : null;
      return [first, second].filter((x) => x !== null).map((x) => ({ ...row, id: Bun.randomUUIDv7(), kind: "project", project_id: x.id }));
    }),
  );
  await t.su`insert into crew_projects ${t.su(projects)}`;
  // Heads before the people under them would need an order; pointing foremen in after the insert needs none.
  // Stored (and updated) out of id order, so an order that leaned on how rows come back (equal names) would show.
  const stored = people.map((p) => ({ ...p, foreman_id: null })).sort(() => r() - 0.5);
  for (let i = 0; i < stored.length; i += 200) await t.su`insert into crew_employees ${t.su(stored.slice(i, i + 200))}`;
  for (const p of people.filter((x) => x.foreman_id).sort(() => r() - 0.5)) await t.su`update crew_employees set foreman_id = ${p.foreman_id} where tenant_id = ${owner.tenantId} and id = ${p.id}`;
  for (let i = 0; i < assignments.length; i += 500) await t.su`insert into crew_assignments ${t.su(assignments.slice(i, i + 500))}`;
}

/** The reference: everyone read and grouped, then paged, as the grid did before it paged in SQL. */
async function expected(): Promise<{ crews: Crew[]; total: number }> {
  const people = await t.su<Person[]>`select id, name, trade, foreman_id as "foremanId", null as email from crew_employees where tenant_id = ${owner.tenantId} and active`;
  const inactive = await t.su<{ id: string; name: string }[]>`select id, name from crew_employees where tenant_id = ${owner.tenantId} and not active`;
  return { crews: groupByForeman([...people], new Map(inactive.map((p) => [p.id, `${p.name} (inactive)`]))), total: people.length };
}

const shape = (crews: Crew[]) => crews.map((c) => ({ foremanId: c.foremanId, title: c.title, people: c.people.map((p) => `${p.id} ${p.name} ${p.trade} ${p.foremanId}`) }));
const label = (page: Crew[]) => (page[0]!.title === page.at(-1)!.title ? page[0]!.title : `${page[0]!.title} – ${page.at(-1)!.title}`);

/** Every page under every filter equals the reference; a page past the end shows the last one. */
async function expectSame(seed: number) {
  const ref = await expected();
  const foremen = ref.crews.filter((c) => c.foremanId).map((c) => ({ id: c.foremanId!, name: c.title }));
  const filters: (string | null)[] = [null, "none", ...foremen.slice(0, 4).map((f) => f.id), Bun.randomUUIDv7()];
  for (const foreman of filters) {
    const chosen = foreman ? ref.crews.filter((c) => (foreman === "none" ? c.foremanId === null : c.foremanId === foreman)) : ref.crews;
    const pages = pageCrews(chosen, ROWS_PER_PAGE);
    for (let page = 1; page <= pages.length + 1; page++) {
      const grid: Grid = await loadGrid(ctx(), { week: WEEK, page, foreman });
      const want = pages[Math.min(page, pages.length) - 1] ?? [];
      const where = { seed, foreman, page };
      expect({ where, crews: shape(grid.crews) }).toEqual({ where, crews: shape(want) });
      expect({ where, page: grid.page, pages: grid.pages, foremen: grid.foremen, total: grid.total }).toEqual({
        where,
        page: Math.min(page, Math.max(1, pages.length)),
        pages: pages.map((p, i) => ({ n: i + 1, label: label(p) })),
        foremen,
        total: ref.total,
      });
      const ids = want.flatMap((c) => c.people.map((p) => p.id));
      // The same cells, each day's assignments in the same order (the map's own order is not used).
      const old = await inTransaction(ctx(), (tx) => weekCells(tx, ids, DAYS));
      const cells: [string, GridCell[]][] = [...old].map(([k, cs]) => [k, cs.map(({ kind, projectId, projectName, color, hours }) => ({ kind, projectId, projectName, color, hours }))]);
      const byKey = (a: [string, GridCell[]], b: [string, GridCell[]]) => a[0].localeCompare(b[0]);
      expect({ where, cells: [...grid.cells].sort(byKey) }).toEqual({ where, cells: cells.sort(byKey) });
    }
  }
}

beforeAll(async () => {
  owner = await createAccount(t, testApp({ db: t.db, now: () => NOW }));
});

describe("the grid's page read by crews", () => {
  test("equals grouping everyone and paging, on every page and crew filter, for 16 random rosters", async () => {
    for (let seed = 1; seed <= 16; seed++) {
      await roster(seed);
      await expectSame(seed);
    }
  }, 120_000);

  test("a foreman made inactive keeps heading their crew, marked inactive, and a crew of 61 is split over two pages", async () => {
    await clear();
    const stamp = { tenant_id: owner.tenantId, created_at: NOW, updated_at: NOW };
    const boss = { ...stamp, id: Bun.randomUUIDv7(), name: "Bea Boss", trade: "Foreman", active: false };
    await t.su`insert into crew_employees ${t.su(boss)}`;
    const crew = Array.from({ length: 61 }, (_, i) => ({ ...stamp, id: Bun.randomUUIDv7(), name: `Worker ${String(i).padStart(2, "0")}`, trade: "Laborer", foreman_id: boss.id }));
    await t.su`insert into crew_employees ${t.su(crew)}`;
    const first = await loadGrid(ctx(), { week: WEEK, foreman: boss.id });
    const second = await loadGrid(ctx(), { week: WEEK, foreman: boss.id, page: 2 });
    expect(first.crews.map((c) => [c.title, c.people.length, c.people[0]!.name])).toEqual([["Bea Boss (inactive)", 60, "Worker 00"]]);
    expect(second.crews.map((c) => [c.title, c.people.length, c.people[0]!.name])).toEqual([["Bea Boss (inactive)", 1, "Worker 60"]]);
    expect(first.pages.map((p) => p.label)).toEqual(["Bea Boss (inactive)", "Bea Boss (inactive)"]);
    expect(first.total).toBe(61);
    await expectSame(-1);
  });
});
