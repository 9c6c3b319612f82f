import type { TestDatabase } from "../../support/db.ts";
import type { IsolationModule } from "../isolation/module.ts";

// The exports' part of the cross-tenant route table (test/routes/isolation/privacy.ts merges it): a finished
// workspace export and a contact in the workspace, and what must not change when another workspace tries them.

export const exportsIsolation: IsolationModule = {
  routes: {
    "GET /t/:slug/exports/:id": { ids: (s) => ({ id: s.exportId! }) },
    "GET /t/:slug/exports/:id/progress": { ids: (s) => ({ id: s.exportId! }) },
    "POST /t/:slug/privacy/people/:kind/:id/exports": { ids: (s) => ({ kind: "contact", id: s.exportContactId! }) },
  },
  seed: async (t: TestDatabase, tenantId: string, marker: string) => {
    const [owner] = await t.su<{ user_id: string }[]>`select user_id from memberships where tenant_id = ${tenantId} and role = 'owner' limit 1`;
    const exportId = Bun.randomUUIDv7();
    const exportContactId = Bun.randomUUIDv7();
    await t.su`insert into contacts (tenant_id, id, first_name, emails, created_at, updated_at) values (${tenantId}, ${exportContactId}, ${`Exported ${marker}`}, ${[`${marker.toLowerCase()}@example.com`]}, now(), now())`;
    await t.su`insert into data_exports (id, tenant_id, kind, user_id, status, rows_done, rows_total, token_hash, size_bytes, created_at, finished_at, expires_at)
      values (${exportId}, ${tenantId}, 'workspace', ${owner!.user_id}, 'done', 1, 1, ${crypto.getRandomValues(new Uint8Array(32))}, 10, now(), now(), now() + interval '7 days')`;
    await t.su`insert into data_export_chunks (export_id, seq, tenant_id, user_id, data) values (${exportId}, 0, ${tenantId}, ${owner!.user_id}, ${new TextEncoder().encode(`{"marker":"${marker}"}`)})`;
    return { exportId, exportContactId };
  },
  snapshot: async (t: TestDatabase, s: Record<string, string>) => {
    const [row] = await t.su`select e.status, (select count(*)::int from data_exports x where x.tenant_id = e.tenant_id) as exports,
      (select count(*)::int from data_export_chunks c where c.export_id = e.id) as chunks from data_exports e where e.id = ${s.exportId!}`;
    return row;
  },
};
