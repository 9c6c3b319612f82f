import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "./module.ts";

// Lead forms' part of the cross-tenant route table: the admin routes with a form id, one form (with a lead and its
// submission) seeded with the marker, and its snapshot. The public /f/<slug>/<form> pages name a workspace by its
// address, not by membership: test/routes/leadforms/public-forms.test.ts proves B's form is not reachable under A's.
export const leadFormsIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/crm/forms/:id": { ids: (s) => ({ id: s.formId! }) },
    "GET /t/:slug/crm/forms/:id/edit": { ids: (s) => ({ id: s.formId! }) },
    "POST /t/:slug/crm/forms/:id": { ids: (s) => ({ id: s.formId! }), body: { name: "Renamed", slug: "renamed", fields: "email", min_seconds: "3", active: "1" } },
    "POST /t/:slug/crm/forms/:id/deletion": { ids: (s) => ({ id: s.formId! }) },
  },
  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const ids = { formId: Bun.randomUUIDv7(), formLeadId: Bun.randomUUIDv7() };
    const key = new Uint8Array(32);
    await t.su`insert into lead_forms (tenant_id, id, slug, name, fields, signing_key, created_at, updated_at)
      values (${tenantId}, ${ids.formId}, ${`form-${marker.toLowerCase()}`}, ${`Form ${marker}`}, ${["name", "email"]}, ${key}, now(), now())`;
    await t.su`insert into leads (tenant_id, id, name, created_at, updated_at) values (${tenantId}, ${ids.formLeadId}, ${`Form lead ${marker}`}, now(), now())`;
    await t.su`insert into lead_form_submissions (tenant_id, id, form_id, lead_id, utm_source, created_at)
      values (${tenantId}, ${Bun.randomUUIDv7()}, ${ids.formId}, ${ids.formLeadId}, ${`utm-${marker}`}, now())`;
    return ids;
  },
  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select
      (select name || slug || active::text || array_to_string(fields, ',') from lead_forms where id = ${s.formId!}) as form,
      (select count(*)::int from lead_form_submissions where form_id = ${s.formId!}) as submissions`;
    return row;
  },
};
