import { describe, expect, test } from "bun:test";
import { dataMap, dataMapExempt } from "../../src/domain/datamap.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();

describe("the data map covers the catalogue", () => {
  test("every table in the database is in the data map or exempted with a reason", async () => {
    const rows = await t.su<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
    const mapped = new Set(dataMap.map((e) => e.table));
    const missing = rows.map((r) => r.table_name).filter((n) => !mapped.has(n) && !(n in dataMapExempt));
    expect(missing).toEqual([]);
  });

  test("every mapped table exists, with the columns the map names", async () => {
    const cols = await t.su<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns where table_schema = 'public'`;
    const have = new Set(cols.map((c) => `${c.table_name}.${c.column_name}`));
    for (const e of dataMap) {
      const named = [
        ...(e.tenantColumn ? [e.tenantColumn] : []),
        ...e.personal,
        ...e.subjects.map((s) => s.column),
        ...(e.export.personal ?? []),
        ...(e.export.workspace ?? []),
        ...(e.erasure.kind === "delete" ? [] : e.erasure.columns),
      ];
      for (const c of named.filter((n) => n !== "*")) expect(have.has(`${e.table}.${c}`) ? `${e.table}.${c}` : `missing ${e.table}.${c}`).toBe(`${e.table}.${c}`);
    }
  });

  test("every tenant_id column and every column that points at a person is named in the map", async () => {
    const rows = await t.su<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and (column_name = 'tenant_id' or column_name ~ '(^|_)(user_id|contact_id|lead_id|email|new_email|to_address|ip|user_agent|invited_by)$')`;
    const unnamed: string[] = [];
    for (const { table_name, column_name } of rows) {
      if (table_name in dataMapExempt) continue;
      const entry = dataMap.find((e) => e.table === table_name);
      const named = entry && (entry.tenantColumn === column_name || entry.personal.includes(column_name) || entry.subjects.some((s) => s.column === column_name));
      if (!named) unnamed.push(`${table_name}.${column_name}`);
    }
    expect(unnamed).toEqual([]);
  });

  test("exempt tables hold no column that points at a person", async () => {
    const names = Object.keys(dataMapExempt);
    const rows = await t.su<{ table_name: string; column_name: string }[]>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and table_name in ${t.su(names)}
        and column_name ~ '(tenant_id|user_id|contact_id|lead_id|email|phone|address|first_name|last_name|full_name)'`;
    expect([...rows]).toEqual([]);
  });
});
