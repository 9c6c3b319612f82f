import { describe, expect, test } from "bun:test";
import { seedCrews } from "../../../src/domain/crews/seed.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";

const t = useTestDatabase();

const digest = async (tenantId: string) =>
  (
    await t.su<{ d: string }[]>`
      select md5(string_agg(e.name || '|' || a.day || '|' || a.kind || '|' || coalesce(p.name, '') || '|' || coalesce(a.hours::text, ''), ',' order by e.name, a.day, a.kind, p.name)) as d
      from crew_assignments a join crew_employees e on e.id = a.employee_id left join crew_projects p on p.id = a.project_id where a.tenant_id = ${tenantId}`
  )[0]!.d;

describe("crews seed", () => {
  test("the small seed makes regions, 40 employees under 4 foremen, 8 projects, weekday assignments, requirements and pours", async () => {
    const owner = await createAccount(t, testApp({ db: t.db }));
    const r = await seedCrews(t.db.app, owner.tenantId, { size: "small", today: "2026-03-02" });
    expect(r).toMatchObject({ regions: 4, employees: 40, projects: 8 });
    expect(r.assignments).toBeGreaterThan(40 * 120);
    const [c] = await t.su`select
      (select count(*)::int from crew_employees where tenant_id = ${owner.tenantId} and trade = 'Foreman') as foremen,
      (select count(*)::int from crew_employees where tenant_id = ${owner.tenantId} and foreman_id is null) as unled,
      (select count(*)::int from crew_assignments where tenant_id = ${owner.tenantId} and extract(isodow from day) > 5) as weekend,
      (select count(*)::int from crew_assignments where tenant_id = ${owner.tenantId}) as assignments,
      (select count(distinct kind)::int from crew_assignments where tenant_id = ${owner.tenantId}) as kinds,
      (select count(*)::int from (select 1 from crew_assignments where tenant_id = ${owner.tenantId} and kind = 'project' group by employee_id, day having count(*) > 1) d) as doubles,
      (select min(day)::text from crew_assignments where tenant_id = ${owner.tenantId}) as first,
      (select max(day)::text from crew_assignments where tenant_id = ${owner.tenantId}) as last,
      (select count(*)::int from crew_requirements where tenant_id = ${owner.tenantId}) as requirements,
      (select count(*)::int from crew_projects where tenant_id = ${owner.tenantId} and latitude between -90 and 90 and manager_id = ${owner.user.id}) as placed`;
    expect(c).toMatchObject({ foremen: 4, unled: 4, weekend: 0, assignments: r.assignments, kinds: 4, first: "2025-12-01", last: "2026-06-01", requirements: r.requirements, placed: 8 });
    expect(c!.doubles).toBeGreaterThan(0);
    expect(c!.doubles).toBeLessThan(r.assignments / 20);
  });

  test("the seed is deterministic and refills: seeding twice gives the same schedule, not twice the rows", async () => {
    const a = await createAccount(t, testApp({ db: t.db }));
    const b = await createAccount(t, testApp({ db: t.db }));
    const first = await seedCrews(t.db.app, a.tenantId, { size: "small", today: "2026-03-02" });
    await seedCrews(t.db.app, b.tenantId, { size: "small", today: "2026-03-02" });
    expect(await digest(a.tenantId)).toBe(await digest(b.tenantId));
    const before = await digest(a.tenantId);
    const again = await seedCrews(t.db.app, a.tenantId, { size: "small", today: "2026-03-02" });
    expect(again.assignments).toBe(first.assignments);
    expect(await digest(a.tenantId)).toBe(before);
    const [n] = await t.su`select count(*)::int as n from crew_employees where tenant_id = ${a.tenantId}`;
    expect(n!.n).toBe(40);
  });
});
