import type { TestDatabase } from "../../support/db.ts";

// A small crews workspace whose projections and analytics are worked out by hand in the tests that use it.
//
// Weeks (Monday start): 2026-W10 = Mon 2 – Sun 8 March 2026, 2026-W11 = Mon 9 – Sun 15 March.
// Employees: Ann, Bea, Cal (Finishers, active), Dan (Finisher, inactive), Eve, Fox (Laborers, active).
// Requirements on P (active, region North):
//   Finisher 2, 2–3 Mar · Finisher 2, 4–6 Mar · "finisher" 1, 3–10 Mar · Laborer 4, Sat 14 Mar.
// On B (bid): Laborer 5, 2–6 Mar. On C (complete): Finisher 9, 2–6 Mar.
// Schedule:
//   Ann: P Mon–Fri W10, and Q (no region) on Mon 2 Mar too (a double booking).
//   Bea: PTO Mon–Fri W10 (the whole working week), PTO Mon–Thu W11 (part of it).
//   Cal: P on Sat 14 Mar only.     Dan (inactive): P on Mon 2 Mar.
//   Eve: PTO Wed 4 – Tue 10 Mar (weekdays).     Fox: Q on Sun 8 Mar; sick Mon–Fri W11.

export interface Fixture {
  employees: Record<"ann" | "bea" | "cal" | "dan" | "eve" | "fox", string>;
  projects: Record<"p" | "q" | "b" | "c", string>;
  region: string;
}

const id = () => Bun.randomUUIDv7();

export async function seedProjectionFixture(t: TestDatabase, tenantId: string): Promise<Fixture> {
  const region = id();
  await t.su`insert into crew_regions (tenant_id, id, name, created_at) values (${tenantId}, ${region}, 'North', now())`;
  const employees = { ann: id(), bea: id(), cal: id(), dan: id(), eve: id(), fox: id() };
  const people: [keyof Fixture["employees"], string, string, boolean][] = [
    ["ann", "Ann Finisher", "Finisher", true],
    ["bea", "Bea Finisher", "Finisher", true],
    ["cal", "Cal Finisher", "Finisher", true],
    ["dan", "Dan Finisher", "Finisher", false],
    ["eve", "Eve Laborer", "Laborer", true],
    ["fox", "Fox Laborer", "Laborer", true],
  ];
  for (const [key, name, trade, active] of people) {
    await t.su`insert into crew_employees (tenant_id, id, name, trade, active, created_at, updated_at) values (${tenantId}, ${employees[key]}, ${name}, ${trade}, ${active}, now(), now())`;
  }
  const projects = { p: id(), q: id(), b: id(), c: id() };
  const sites: [keyof Fixture["projects"], string, string, string | null][] = [
    ["p", "Parkside Tower", "active", region],
    ["q", "Quay Garage", "active", null],
    ["b", "Bid Bridge", "bid", null],
    ["c", "Closed Clinic", "complete", null],
  ];
  for (const [key, name, status, reg] of sites) {
    await t.su`insert into crew_projects (tenant_id, id, name, status, region_id, created_at, updated_at) values (${tenantId}, ${projects[key]}, ${name}, ${status}, ${reg}, now(), now())`;
  }
  const requirements: [string, string, number, string, string][] = [
    [projects.p, "Finisher", 2, "2026-03-02", "2026-03-03"],
    [projects.p, "Finisher", 2, "2026-03-04", "2026-03-06"],
    [projects.p, "finisher", 1, "2026-03-03", "2026-03-10"],
    [projects.p, "Laborer", 4, "2026-03-14", "2026-03-14"],
    [projects.b, "Laborer", 5, "2026-03-02", "2026-03-06"],
    [projects.c, "Finisher", 9, "2026-03-02", "2026-03-06"],
  ];
  for (const [project, trade, headcount, from, to] of requirements) {
    await t.su`insert into crew_requirements (tenant_id, id, project_id, trade, headcount, starts_on, ends_on, created_at, updated_at)
      values (${tenantId}, ${id()}, ${project}, ${trade}, ${headcount}, ${from}, ${to}, now(), now())`;
  }
  const rows: [string, string, string, string | null][] = [];
  const days = (from: number, to: number, month = "03") => Array.from({ length: to - from + 1 }, (_, i) => `2026-${month}-${String(from + i).padStart(2, "0")}`);
  for (const d of days(2, 6)) rows.push([employees.ann, d, "project", projects.p]);
  rows.push([employees.ann, "2026-03-02", "project", projects.q]);
  for (const d of [...days(2, 6), ...days(9, 12)]) rows.push([employees.bea, d, "pto", null]);
  rows.push([employees.cal, "2026-03-14", "project", projects.p]);
  rows.push([employees.dan, "2026-03-02", "project", projects.p]);
  for (const d of [...days(4, 6), ...days(9, 10)]) rows.push([employees.eve, d, "pto", null]);
  rows.push([employees.fox, "2026-03-08", "project", projects.q]);
  for (const d of days(9, 13)) rows.push([employees.fox, d, "sick", null]);
  // One statement, as the schedule's bulk actions do: the digest's triggers see it whole.
  const values = rows.map(([employee, day, kind, project]) => ({ tenant_id: tenantId, id: id(), employee_id: employee, day, kind, project_id: project, created_at: new Date() }));
  await t.su`insert into crew_assignments ${t.su(values)}`;
  return { employees, projects, region };
}
