import { describe, expect, test } from "bun:test";
import { migrate } from "../../src/domain/migrate.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();

async function schemaFingerprint() {
  const rows = await t.su`
    select table_schema, table_name, column_name, data_type from information_schema.columns
    where table_schema in ('public', 'app_private', 'graphile_worker') order by 1, 2, 3`;
  return JSON.stringify(rows);
}

describe("migrations", () => {
  test("running them again on a migrated database is a no-op", async () => {
    const before = await schemaFingerprint();
    const report = await migrate(t.urls.ownerUrl);
    expect(report.applied).toEqual([]);
    expect(await schemaFingerprint()).toBe(before);
  });

  test("several processes migrating at the same moment all succeed (advisory lock)", async () => {
    const reports = await Promise.all([1, 2, 3].map(() => migrate(t.urls.ownerUrl)));
    for (const r of reports) expect(r.applied).toEqual([]);
  });

  test("every relation belongs to the owner role, none to the app role", async () => {
    const rows = await t.su<{ owner: string; n: number }[]>`
      select pg_get_userbyid(c.relowner) as owner, count(*)::int as n from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'app_private', 'graphile_worker') group by 1`;
    expect(rows.map((r) => r.owner)).toEqual(["steward_owner"]);
  });

  test("the app role has no TRUNCATE and cannot create objects in public", async () => {
    const [r] = await t.su`
      select exists (select 1 from information_schema.table_privileges where grantee = 'steward_app' and privilege_type = 'TRUNCATE') as truncate,
             has_schema_privilege('steward_app', 'public', 'CREATE') as create`;
    expect(r).toEqual({ truncate: false, create: false });
  });
});
