import type { TestDatabase } from "../../support/db.ts";

/**
 * A module's part of the cross-tenant route table (test/routes/isolation.test.ts): its routes with ids, how to
 * seed one of each of its records in a workspace (names carrying the marker, so a leak shows in a body), and a
 * snapshot of those records that must be unchanged after workspace A has tried every route on B's ids.
 */
export interface IsolationModule {
  routes: Record<string, { ids: (seeded: Record<string, string>) => Record<string, string>; body?: Record<string, string> }>;
  seed: (t: TestDatabase, tenantId: string, marker: string) => Promise<Record<string, string>>;
  snapshot: (t: TestDatabase, seeded: Record<string, string>) => Promise<unknown>;
}
