import { sql } from "kysely";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB } from "../db.ts";
import { crewsDataMap } from "./datamap.ts";

// Demo data for crews (`bun run seed --module crews`, `bun run start --demo`): regions, employees under foremen,
// projects with addresses and coordinates, a schedule of daily assignments from a year back to a year ahead
// (weekdays; most people on their crew's project, some PTO, sick or training days, a few doubles), required
// headcount and, when the pours table exists, pours. Deterministic: the same size and day give the same names,
// crews, projects and schedule (ids differ). Refills: the workspace's crews data is replaced.

export type CrewsSeedSize = "small" | "large";
export const CREWS_SEED_SIZES: Record<CrewsSeedSize, { employees: number; foremen: number; projects: number; daysBack: number; daysAhead: number }> = {
  small: { employees: 40, foremen: 4, projects: 8, daysBack: 91, daysAhead: 91 },
  large: { employees: 500, foremen: 40, projects: 80, daysBack: 365, daysAhead: 365 },
};

export interface CrewsSeedResult {
  regions: number;
  employees: number;
  projects: number;
  assignments: number;
  requirements: number;
  pours: number;
  seconds: number;
}

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ana", "Ben", "Carlos", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jada", "Kofi", "Luis", "Mara", "Nico", "Omar", "Paula", "Quinn", "Rosa", "Sam", "Tia", "Uri", "Vera", "Wes", "Ximena", "Yusuf", "Zoe", "Abel", "Bea", "Cruz", "Dev"];
const LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Flores", "Garcia", "Hughes", "Ibarra", "Jones", "Kim", "Lopez", "Morales", "Nguyen", "Ortiz", "Patel", "Quintero", "Reyes", "Smith", "Torres", "Urbina", "Vargas", "Walker", "Young", "Zamora"];
const TRADES: [string, number][] = [["Finisher", 0.35], ["Laborer", 0.35], ["Carpenter", 0.15], ["Operator", 0.1], ["Pump operator", 0.05]];
// Regions with a metro centre each: project coordinates scatter around them.
const REGIONS: { name: string; city: string; lat: number; lon: number }[] = [
  { name: "Front Range", city: "Denver, CO", lat: 39.7392, lon: -104.9903 },
  { name: "Valley", city: "Phoenix, AZ", lat: 33.4484, lon: -112.074 },
  { name: "Metroplex", city: "Dallas, TX", lat: 32.7767, lon: -96.797 },
  { name: "Southeast", city: "Atlanta, GA", lat: 33.749, lon: -84.388 },
];
const PLACES = ["Harbor", "Summit", "Riverside", "Mesa", "Cedar", "Granite", "Union", "Lakeside", "Pioneer", "Canyon", "Ridge", "Meadow", "Station", "Foundry", "Willow", "Prairie", "Copper", "Beacon", "Aspen", "Sierra"];
const KINDS = ["Tower", "Medical Center", "Distribution Center", "Parking Structure", "School", "Bridge Deck", "Apartments", "Warehouse"];
const CUSTOMERS = ["Turner Builders", "Hensel Phelps GC", "Mortenson", "Sundt", "McCarthy", "Brasfield & Gorrie", "JE Dunn", "Kiewit"];
const STREETS = ["Main St", "Broadway", "Colfax Ave", "Central Ave", "Elm St", "Peachtree St", "Commerce St", "Market St"];
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Fills a workspace with crews demo data; `today` (YYYY-MM-DD) anchors the schedule (default: the clock's day). */
export async function seedCrews(dbOrCtx: DB | Ctx, tenantId: string, opts: { size: CrewsSeedSize; today?: string; log?: (m: string) => void }): Promise<CrewsSeedResult> {
  const t0 = performance.now();
  const base = "tenantId" in dbOrCtx ? { ...dbOrCtx, tenantId } : systemCtx(dbOrCtx, new Date(), tenantId);
  const spec = CREWS_SEED_SIZES[opts.size];
  const today = opts.today ?? base.now.toISOString().slice(0, 10);
  const rand = prng(7_2026);
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
  const log = opts.log ?? (() => {});

  // Everything in memory first, so the transaction is only inserts.
  const regions = REGIONS.map((r) => ({ ...r, id: Bun.randomUUIDv7() }));
  const employees: { id: string; name: string; trade: string; foreman: number | null; region: number; phone: string; email: string | null; crew: number }[] = [];
  for (let i = 0; i < spec.employees; i++) {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]}${i >= FIRST.length * LAST.length ? ` ${Math.floor(i / (FIRST.length * LAST.length)) + 1}` : ""}`;
    const isForeman = i < spec.foremen;
    let trade = "Foreman";
    if (!isForeman) {
      let r = rand();
      trade = TRADES.find(([, share]) => (r -= share) < 0)?.[0] ?? "Laborer";
    }
    const crew = isForeman ? i : i % spec.foremen;
    employees.push({
      id: Bun.randomUUIDv7(),
      name,
      trade,
      foreman: isForeman ? null : crew,
      region: crew % regions.length,
      phone: `+1 555 ${String(1000 + i).padStart(4, "0")}`,
      email: rand() < 0.9 ? `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}.${i}@crews.example.com` : null,
      crew,
    });
  }
  const projects: { id: string; name: string; number: string; customer: string; region: number; address: string; lat: number; lon: number; starts: string; ends: string; status: string; color: string }[] = [];
  for (let i = 0; i < spec.projects; i++) {
    const region = i % regions.length;
    const R = regions[region]!;
    // Most projects run through the whole seeded window; a few are bids ahead or finished behind.
    const status = i % 10 === 8 ? "bid" : i % 10 === 9 ? "complete" : i % 17 === 5 ? "on_hold" : "active";
    const starts = status === "bid" ? addDays(today, 120 + Math.floor(rand() * 120)) : status === "complete" ? addDays(today, -700) : addDays(today, -spec.daysBack - Math.floor(rand() * 60));
    const ends = status === "bid" ? addDays(starts, 300) : status === "complete" ? addDays(today, -spec.daysBack - 5) : addDays(today, spec.daysAhead + Math.floor(rand() * 90));
    projects.push({
      id: Bun.randomUUIDv7(),
      name: `${PLACES[i % PLACES.length]} ${KINDS[(i * 3 + Math.floor(i / PLACES.length)) % KINDS.length]}${i >= PLACES.length * 2 ? ` ${Math.floor(i / PLACES.length)}` : ""}`,
      number: `P-${24001 + i}`,
      customer: pick(CUSTOMERS),
      region,
      address: `${100 + Math.floor(rand() * 9800)} ${pick(STREETS)}, ${R.city}`,
      lat: Math.round((R.lat + (rand() - 0.5) * 0.4) * 10000) / 10000,
      lon: Math.round((R.lon + (rand() - 0.5) * 0.4) * 10000) / 10000,
      starts,
      ends,
      status,
      color: COLORS[i % COLORS.length]!,
    });
  }
  const working = projects.filter((p) => p.status === "active" || p.status === "on_hold");

  const counts = await inTransaction(base, async (tx) => {
    const t = tenantId;
    await sql`delete from crew_employees where tenant_id = ${t}`.execute(tx.db);
    await sql`delete from crew_projects where tenant_id = ${t}`.execute(tx.db);
    await sql`delete from crew_regions where tenant_id = ${t}`.execute(tx.db);
    const manager = (await sql<{ user_id: string }>`select user_id from memberships where tenant_id = ${t} order by (role = 'owner') desc, created_at limit 1`.execute(tx.db)).rows[0]?.user_id ?? null;
    const now = tx.now;
    await tx.db.insertInto("crew_regions").values(regions.map((r) => ({ tenant_id: t, id: r.id, name: r.name, created_at: now }))).execute();
    await sql`
      insert into crew_employees (tenant_id, id, name, trade, region_id, phone, email, active, created_at, updated_at)
      select ${t}, u.* , true, ${now}, ${now} from unnest(${employees.map((e) => e.id)}::uuid[], ${employees.map((e) => e.name)}::text[], ${employees.map((e) => e.trade)}::text[],
        ${employees.map((e) => regions[e.region]!.id)}::uuid[], ${employees.map((e) => e.phone)}::text[], ${employees.map((e) => e.email)}::text[]) as u`.execute(tx.db);
    const crewed = employees.filter((e) => e.foreman !== null);
    await sql`update crew_employees e set foreman_id = u.f from unnest(${crewed.map((e) => e.id)}::uuid[], ${crewed.map((e) => employees[e.foreman!]!.id)}::uuid[]) as u(id, f)
      where e.tenant_id = ${t} and e.id = u.id`.execute(tx.db);
    await sql`
      insert into crew_projects (tenant_id, id, name, number, customer, region_id, address, latitude, longitude, starts_on, ends_on, status, color, manager_id, created_at, updated_at)
      select ${t}, u.*, ${manager}::uuid, ${now}, ${now} from unnest(${projects.map((p) => p.id)}::uuid[], ${projects.map((p) => p.name)}::text[], ${projects.map((p) => p.number)}::text[],
        ${projects.map((p) => p.customer)}::text[], ${projects.map((p) => regions[p.region]!.id)}::uuid[], ${projects.map((p) => p.address)}::text[],
        ${projects.map((p) => String(p.lat))}::text[]::numeric[], ${projects.map((p) => String(p.lon))}::text[]::numeric[], ${projects.map((p) => p.starts)}::date[],
        ${projects.map((p) => p.ends)}::date[], ${projects.map((p) => p.status)}::text[], ${projects.map((p) => p.color)}::text[]) as u`.execute(tx.db);
    log(`crews: ${employees.length} employees, ${projects.length} projects`);

    // The schedule, generated in SQL a quarter at a time: a crew works on one project for six weeks, then moves;
    // a stable hash of (person, day) picks the odd PTO, sick, training day and the few doubles.
    const ord = employees.map((_, i) => i);
    const crews = employees.map((e) => e.crew);
    const proj = working.map((p) => p.id);
    let assignments = 0;
    const first = addDays(today, -spec.daysBack);
    const last = addDays(today, spec.daysAhead);
    for (let from = first; from <= last; from = addDays(from, 91)) {
      const to = addDays(from, 90) < last ? addDays(from, 90) : last;
      const r = await sql`
        with people as (select * from unnest(${employees.map((e) => e.id)}::uuid[], ${ord}::int[], ${crews}::int[]) as p(id, ord, crew)),
        days as (select d::date as day, (d::date - date '2000-01-03') as n from generate_series(${from}::date, ${to}::date, interval '1 day') d where extract(isodow from d) < 6),
        grid as (select p.id, p.ord, p.crew, days.day, days.n, abs(hashtext(p.ord || ':' || days.n)) % 1000 as h from people p cross join days),
        rows as (
          select id, day, case when h < 25 then 'pto' when h < 35 then 'sick' when h < 45 then 'training' else 'project' end as kind,
            case when h < 45 then null else (${proj}::uuid[])[1 + ((crew * 7 + n / 42) % ${proj.length})] end as project_id,
            case when h >= 45 and h < 60 then 4 else null end::numeric as hours
          from grid
          union all
          select id, day, 'project', (${proj}::uuid[])[1 + ((crew * 7 + n / 42 + 1 + ord % 3) % ${proj.length})], 4
          from grid where h >= 45 and h < 60
        )
        insert into crew_assignments (tenant_id, id, employee_id, day, kind, project_id, hours, start_time, created_at)
        select ${t}, gen_random_uuid(), id, day, kind, project_id, hours, case when kind = 'project' then time '07:00' end, ${now}
        from rows on conflict do nothing`.execute(tx.db);
      assignments += Number(r.numAffectedRows ?? 0);
      log(`crews: schedule through ${to} (${assignments.toLocaleString("en-US")} assignments)`);
    }
    log(`crews: ${assignments.toLocaleString("en-US")} assignments`);

    // Required headcount: each working project needs finishers and laborers over two ranges (PROJECTIONS' table).
    const req: { project: string; trade: string; headcount: number; starts: string; ends: string }[] = [];
    for (const [i, p] of working.entries()) {
      req.push({ project: p.id, trade: "Finisher", headcount: 3 + (i % 5), starts: addDays(today, -28), ends: addDays(today, 90 + (i % 4) * 30) });
      req.push({ project: p.id, trade: "Laborer", headcount: 2 + (i % 4), starts: addDays(today, 14), ends: addDays(today, 180) });
      if (i % 3 === 0) req.push({ project: p.id, trade: "Carpenter", headcount: 2, starts: addDays(today, 60), ends: addDays(today, 240) });
    }
    await sql`
      insert into crew_requirements (tenant_id, id, project_id, trade, headcount, starts_on, ends_on, created_at, updated_at)
      select ${t}, gen_random_uuid(), u.*, ${now}, ${now} from unnest(${req.map((r) => r.project)}::uuid[], ${req.map((r) => r.trade)}::text[], ${req.map((r) => r.headcount)}::int[],
        ${req.map((r) => r.starts)}::date[], ${req.map((r) => r.ends)}::date[]) as u`.execute(tx.db);

    // Pours, only where POURS' table exists: one or two a month per working project, poured behind, planned ahead.
    let pours = 0;
    const hasPours = (await sql<{ ok: boolean }>`select exists (select 1 from information_schema.tables where table_schema = 'public' and table_name = 'crew_pours') as ok`.execute(tx.db)).rows[0]?.ok;
    if (hasPours) {
      const units = (await sql<{ units: string }>`select units from tenants where id = ${t}`.execute(tx.db)).rows[0]?.units ?? "imperial";
      const rows: { project: string; day: string; time: string; location: string; volume: number; status: string }[] = [];
      for (const [i, p] of working.entries()) {
        for (let k = -3; k <= 8; k++) {
          const day = addDays(today, k * 30 + ((i * 3) % 25));
          const dow = new Date(`${day}T00:00:00Z`).getUTCDay();
          if (dow === 0 || dow === 6) continue;
          rows.push({ project: p.id, day, time: ["06:00", "06:30", "07:00"][i % 3]!, location: `${["Level", "Deck", "Slab", "Footing"][k & 3]} ${Math.abs(k) + 1}`, volume: 40 + ((i * 37 + k * 11) % 260), status: k < 0 ? "poured" : k === 0 ? "confirmed" : "tentative" });
        }
      }
      await sql`
        insert into crew_pours (tenant_id, id, project_id, day, start_time, location, volume, volume_unit, mix_design, status, confirmed_at, created_at, updated_at)
        select ${t}, gen_random_uuid(), u.project, u.day, u.start_time, u.location, u.volume, ${units === "metric" ? "m3" : "yd3"}, '4000 psi', u.status,
          case when u.status in ('confirmed', 'poured') then ${now}::timestamptz end, ${now}, ${now}
        from unnest(${rows.map((r) => r.project)}::uuid[], ${rows.map((r) => r.day)}::date[], ${rows.map((r) => r.time)}::time[], ${rows.map((r) => r.location)}::text[],
          ${rows.map((r) => String(r.volume))}::text[]::numeric[], ${rows.map((r) => r.status)}::text[]) as u(project, day, start_time, location, volume, status)`.execute(tx.db);
      pours = rows.length;
    }
    return { assignments, requirements: req.length, pours };
  });
  return { regions: regions.length, employees: employees.length, projects: projects.length, ...counts, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Fresh statistics and visibility maps after a seed, or the first queries plan as if the tables were empty (with
 * the large seed the projection's query took 20 ms instead of 6 on a nested loop planned for one row). Autovacuum
 * gets there eventually, but not before a benchmark starts. VACUUM needs the owner role and no transaction.
 */
export async function analyzeCrews(owner: DB): Promise<void> {
  for (const { table } of crewsDataMap) await sql`vacuum (analyze) ${sql.table(table)}`.execute(owner);
}
