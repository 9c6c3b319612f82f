import { describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { connect } from "../../src/domain/db.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();

describe("connection pools", () => {
  test("with one owner URL, every app connection switches to the app role and stays under row-level security", async () => {
    const suUrl = new URL(process.env.STEWARD_TEST_SUPER_URL!);
    suUrl.pathname = `/${t.name}`;
    // The owner-only setup of the README: the app pool logs in as the owner and takes on steward_app.
    const db = connect({ ownerUrl: t.urls.ownerUrl, appUrl: suUrl.toString(), appRole: "steward_app" }, { poolSize: 3 });
    try {
      const rows = await Promise.all([1, 2, 3].map(() => sql<{ u: string; bypass: boolean }>`
        select current_user as u, rolbypassrls as bypass from pg_roles where rolname = current_user`.execute(db.app)));
      for (const r of rows) expect(r.rows[0]).toEqual({ u: "steward_app", bypass: false });
      await expect(sql`select * from emails`.execute(db.app)).rejects.toThrow(/permission denied/);
    } finally {
      await db.close();
    }
  });
});
