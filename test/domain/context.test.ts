import { describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();
const tenant = "0190f3a4-0000-7000-8000-000000000001";

describe("inTransaction", () => {
  test("pins the tenant for the transaction only, so a pooled connection never carries it on", async () => {
    const ctx = systemCtx(t.db.app, new Date(), tenant);
    const inside = await inTransaction(ctx, async (tx) => {
      const r = await sql<{ v: string }>`select current_setting('app.tenant_id', true) as v`.execute(tx.db);
      return r.rows[0]!.v;
    });
    expect(inside).toBe(tenant);
    // Every connection of the app pool: none still has the tenant set.
    const after = await Promise.all(
      [1, 2, 3, 4].map(() => sql<{ v: string | null }>`select current_setting('app.tenant_id', true) as v`.execute(t.db.app)),
    );
    for (const r of after) expect(r.rows[0]!.v ?? "").toBe("");
  });

  test("runs as the app role, which is neither superuser nor exempt from row-level security", async () => {
    const r = await sql<{ user: string; rolsuper: boolean; rolbypassrls: boolean }>`
      select current_user as user, rolsuper, rolbypassrls from pg_roles where rolname = current_user`.execute(t.db.app);
    expect(r.rows[0]).toEqual({ user: "steward_app", rolsuper: false, rolbypassrls: false });
  });

  test("rolls everything back when the function throws", async () => {
    const ctx = systemCtx(t.db.app);
    const before = await t.su`select count(*)::int as n from emails`;
    await expect(
      inTransaction(ctx, async (tx) => {
        await tx.db
          .insertInto("emails")
          .values({ id: Bun.randomUUIDv7(), idempotency_key: "rollback-test", to_address: "a@example.com", subject: "s", text_body: "t", html_body: "h" })
          .execute();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const after = await t.su`select count(*)::int as n from emails`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  test("reuses the caller's transaction instead of nesting one", async () => {
    const ctx = systemCtx(t.db.app, new Date(), tenant);
    const pids = await inTransaction(ctx, async (tx) => {
      const outer = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx.db);
      const inner = await inTransaction(tx, async (tx2) => sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx2.db));
      return [outer.rows[0]!.pid, inner.rows[0]!.pid];
    });
    expect(pids[0]).toBe(pids[1]!);
  });

  // BEGIN goes out with the transaction's first statement (src/domain/db.ts): these hold whatever the wire does.
  test("the first statement after BEGIN is inside the transaction: a write there rolls back with the rest", async () => {
    const before = await t.su`select count(*)::int as n from emails`;
    await expect(
      inTransaction(systemCtx(t.db.app), async (tx) => {
        await tx.db
          .insertInto("emails")
          .values({ id: Bun.randomUUIDv7(), idempotency_key: "first-statement", to_address: "a@example.com", subject: "s", text_body: "t", html_body: "h" })
          .execute();
        await sql`select 1 / 0`.execute(tx.db);
      }),
    ).rejects.toThrow();
    expect((await t.su`select count(*)::int as n from emails`)[0]!.n).toBe(before[0]!.n);
  });

  test("a failing first statement ends its transaction cleanly, and concurrent transactions on the pool each see only their own tenant", async () => {
    await expect(inTransaction(systemCtx(t.db.app), (tx) => sql`select no_such_column from emails`.execute(tx.db))).rejects.toThrow();
    const tenants = Array.from({ length: 12 }, (_, i) => `0190f3a4-0000-7000-8000-${String(i + 10).padStart(12, "0")}`);
    const seen = await Promise.all(
      tenants.map((id) =>
        inTransaction(systemCtx(t.db.app, new Date(), id), async (tx) => {
          const first = await sql<{ v: string; xact: boolean }>`select current_setting('app.tenant_id', true) as v, now() = statement_timestamp() as xact`.execute(tx.db);
          await Bun.sleep(1);
          const second = await sql<{ v: string; xact: boolean }>`select current_setting('app.tenant_id', true) as v, now() = statement_timestamp() as xact`.execute(tx.db);
          // In a transaction block now() is the transaction's start: a later statement's own timestamp differs.
          return [first.rows[0]!.v, second.rows[0]!.v, second.rows[0]!.xact];
        }),
      ),
    );
    expect(seen).toEqual(tenants.map((id) => [id, id, false]));
  });
});
