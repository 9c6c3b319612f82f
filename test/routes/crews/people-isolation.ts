import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The people part of the crews isolation table (test/routes/isolation/crews.ts merges it): every route of regions,
// employees, certifications, projects, contacts and import reports with an id, one of each record seeded with the
// marker, and their snapshot.

export const peopleIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/crews/regions/:id/edit": { ids: (s) => ({ id: s.regionId! }) },
    "POST /t/:slug/crews/regions/:id": { ids: (s) => ({ id: s.regionId! }), body: { name: "Renamed" } },
    "POST /t/:slug/crews/regions/:id/deletion": { ids: (s) => ({ id: s.regionId! }) },
    "GET /t/:slug/crews/employees/:id": { ids: (s) => ({ id: s.employeeId! }) },
    "GET /t/:slug/crews/employees/:id/edit": { ids: (s) => ({ id: s.employeeId! }) },
    "POST /t/:slug/crews/employees/:id": { ids: (s) => ({ id: s.employeeId! }), body: { name: "Renamed", trade: "Laborer", active: "1" } },
    "POST /t/:slug/crews/employees/:id/active": { ids: (s) => ({ id: s.employeeId! }), body: { active: "0" } },
    "POST /t/:slug/crews/employees/:id/deletion": { ids: (s) => ({ id: s.employeeId! }) },
    "POST /t/:slug/crews/employees/:id/certifications": { ids: (s) => ({ id: s.employeeId! }), body: { cert_name: "Renamed" } },
    "POST /t/:slug/crews/employees/:id/certifications/:certId/deletion": { ids: (s) => ({ id: s.employeeId!, certId: s.certificationId! }) },
    "GET /t/:slug/crews/projects/:id": { ids: (s) => ({ id: s.projectId! }) },
    "GET /t/:slug/crews/projects/:id/edit": { ids: (s) => ({ id: s.projectId! }) },
    "POST /t/:slug/crews/projects/:id": { ids: (s) => ({ id: s.projectId! }), body: { name: "Renamed", status: "complete" } },
    "POST /t/:slug/crews/projects/:id/deletion": { ids: (s) => ({ id: s.projectId! }) },
    "POST /t/:slug/crews/projects/:id/contacts": { ids: (s) => ({ id: s.projectId! }), body: { contact_name: "Renamed", contact_email: "renamed@example.com" } },
    "POST /t/:slug/crews/projects/:id/contacts/:contactId/deletion": { ids: (s) => ({ id: s.projectId!, contactId: s.contactId! }) },
    "GET /t/:slug/crews/imports/:id": { ids: (s) => ({ id: s.crewImportId! }) },
    "GET /t/:slug/crews/imports/:id/rejected.csv": { ids: (s) => ({ id: s.crewImportId! }) },
  },

  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { regionId: Bun.randomUUIDv7(), employeeId: Bun.randomUUIDv7(), certificationId: Bun.randomUUIDv7(), projectId: Bun.randomUUIDv7(), contactId: Bun.randomUUIDv7(), crewImportId: Bun.randomUUIDv7() };
    await t.su`insert into crew_regions (tenant_id, id, name, created_at) values (${tenantId}, ${ids.regionId}, ${`Region ${marker}`}, now())`;
    await t.su`insert into crew_employees (tenant_id, id, name, trade, region_id, email, created_at, updated_at)
      values (${tenantId}, ${ids.employeeId}, ${`Employee ${marker}`}, 'Finisher', ${ids.regionId}, ${`people-${marker.toLowerCase()}@example.com`}, now(), now())`;
    await t.su`insert into crew_certifications (tenant_id, id, employee_id, name, expires_on, created_at) values (${tenantId}, ${ids.certificationId}, ${ids.employeeId}, ${`Cert ${marker}`}, '2030-01-01', now())`;
    await t.su`insert into crew_projects (tenant_id, id, name, number, region_id, created_at, updated_at)
      values (${tenantId}, ${ids.projectId}, ${`Project ${marker}`}, ${`N-${marker}`}, ${ids.regionId}, now(), now())`;
    await t.su`insert into crew_project_contacts (tenant_id, id, project_id, name, email, created_at) values (${tenantId}, ${ids.contactId}, ${ids.projectId}, ${`Contact ${marker}`}, 'gc@example.com', now())`;
    await t.su`insert into crew_imports (tenant_id, id, kind, filename, total_rows, created_count, updated_count, rejected_count, rejected, created_at)
      values (${tenantId}, ${ids.crewImportId}, 'employees', ${`${marker}.csv`}, 1, 0, 0, 1, ${new TextEncoder().encode(`name,reason\n${marker},bad\n`)}, now())`;
    return ids;
  },

  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select name from crew_regions where id = ${s.regionId!}) as region,
      (select name || trade || active::text || coalesce(region_id::text, '') from crew_employees where id = ${s.employeeId!}) as employee,
      (select count(*)::int from crew_certifications where employee_id = ${s.employeeId!}) as certifications,
      (select name || status || coalesce(number, '') from crew_projects where id = ${s.projectId!}) as project,
      (select count(*)::int from crew_project_contacts where project_id = ${s.projectId!}) as contacts,
      (select rejected_count from crew_imports where id = ${s.crewImportId!}) as import`;
    return row;
  },
};
