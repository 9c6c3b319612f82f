import type { TestDatabase } from "../../support/db.ts";

// Crew employees and projects for the schedule's tests, written straight to the tables (the PEOPLE forms are
// tested elsewhere). Names may carry a marker so a leak would show in a body.

export interface CrewFixture {
  foreman: string;
  workers: string[];
  loose: string;
  projects: string[];
}

export async function seedCrew(t: TestDatabase, tenantId: string, opts: { marker?: string; workers?: number; emails?: boolean } = {}): Promise<CrewFixture> {
  const m = opts.marker ? ` ${opts.marker}` : "";
  const emp = async (name: string, trade: string, foremanId: string | null, email: string | null) => {
    const id = Bun.randomUUIDv7();
    await t.su`insert into crew_employees (tenant_id, id, name, trade, foreman_id, email, created_at, updated_at)
      values (${tenantId}, ${id}, ${name}, ${trade}, ${foremanId}, ${email}, now(), now())`;
    return id;
  };
  const mail = (n: string) => (opts.emails === false ? null : `${n.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@crew.example.com`);
  const foreman = await emp(`Fiona Foreman${m}`, "Foreman", null, mail("fiona"));
  const workers: string[] = [];
  for (let i = 0; i < (opts.workers ?? 2); i++) workers.push(await emp(`Worker ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i : ""}${m}`, "Laborer", foreman, mail(`worker${i}`)));
  const loose = await emp(`Lou Loose${m}`, "Operator", null, null);
  const projects: string[] = [];
  for (const [name, color] of [
    [`Riverside Tower${m}`, "#1f77b4"],
    [`Harbor Bridge${m}`, "#ff7f0e"],
  ] as const) {
    const id = Bun.randomUUIDv7();
    await t.su`insert into crew_projects (tenant_id, id, name, number, address, color, status, created_at, updated_at)
      values (${tenantId}, ${id}, ${name}, ${`P-${projects.length + 1}${opts.marker ?? ""}`}, ${`${projects.length + 1} Main Street`}, ${color}, 'active', now(), now())`;
    projects.push(id);
  }
  return { foreman, workers, loose, projects };
}

/** An assignment, straight into the table. */
export async function assign(t: TestDatabase, tenantId: string, employeeId: string, day: string, what: { projectId?: string; kind?: string; hours?: number; start?: string }) {
  const id = Bun.randomUUIDv7();
  await t.su`insert into crew_assignments (tenant_id, id, employee_id, day, kind, project_id, hours, start_time, created_at)
    values (${tenantId}, ${id}, ${employeeId}, ${day}, ${what.kind ?? "project"}, ${what.projectId ?? null}, ${what.hours ?? null}, ${what.start ?? null}, now())`;
  return id;
}

export async function cells(t: TestDatabase, tenantId: string, from: string, to: string) {
  return [...await t.su<{ employee_id: string; day: string; kind: string; project_id: string | null; hours: string | null; start_time: string | null }[]>`
    select employee_id, day::text, kind, project_id, hours::text, start_time::text from crew_assignments
    where tenant_id = ${tenantId} and day between ${from} and ${to} order by day, employee_id, project_id`];
}
