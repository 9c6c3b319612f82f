import { describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { connect } from "../../src/domain/db.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";

const t = useTestDatabase();

/** Platform tables: no tenant_id, each with the reason it is safe outside row-level security. */
const PLATFORM_TABLES: Record<string, string> = {
  worker_pools: "job worker liveness for crash recovery; owner role only, no workspace data",
  workspace_purges: "the record of a workspace purge outlives the workspace (id, dates, counts); under RLS the app role sees only the pinned workspace's record",
  account_erasures: "a user's own deletion request, across workspaces; looked up by user id or token hash",
  users: "accounts span workspaces; reached through memberships",
  password_history: "per user, never listed",
  sessions: "per user, looked up by token id",
  sign_in_failures: "per user, lockout counting",
  rate_limit_counters: "hashed client keys, no workspace data",
  password_reset_tokens: "per user, looked up by token hash",
  email_change_tokens: "per user, looked up by token hash",
  emails: "outbox; the app role may only insert",
  kysely_migration: "schema bookkeeping",
  kysely_migration_lock: "schema bookkeeping",
};

/** Every security definer function, with why it needs the owner's rights. */
const DEFINER_FUNCTIONS: Record<string, string> = {
  "app_private.add_job": "enqueue into graphile_worker inside the caller's transaction",
  "app_private.audit_chain": "reads the previous audit row to chain hashes",
  "app_private.webhook_fanout": "turns an audit row into webhook events, deliveries and their jobs (tenant from the row)",
  "app_private.membership_by_slug": "resolve /t/:slug for a member before the tenant is known",
  "app_private.slug_redirect": "old slugs, for members only",
  "app_private.user_workspaces": "the workspace switcher",
  "app_private.invitation_by_token": "an invitation link before the tenant is known",
  "app_private.slug_available": "uniqueness across workspaces at sign-up and rename",
  "app_private.search_matches": "full-text search that can use its index under RLS; filters by the pinned tenant itself",
  "app_private.deal_stage_totals_insert": "keeps the board's stage totals for every role that changes deals (tenant from the rows)",
  "app_private.deal_stage_totals_update": "keeps the board's stage totals for every role that changes deals (tenant from the rows)",
  "app_private.deal_stage_totals_delete": "keeps the board's stage totals for every role that changes deals (tenant from the rows)",
  "app_private.privacy_request_workspace": "the public privacy request page resolves a slug to its workspace before anyone is signed in",
  "app_private.search_first": "the first matches of a search through its index under RLS, to tell narrow searches from broad ones",
  "app_private.cron_last_runs": "the retention page reads when each scheduled job last ran from graphile-worker's bookkeeping (task names and times only)",
  "app_private.release_expired_slug": "frees an old slug whose redirect ran out, whichever workspace held it",
  "app_private.api_key_hit": "a bearer API key names no workspace: finds its workspace and row id by the key's hash, and counts the request against the key's rate limit",
  "app_private.api_refresh_by_hash": "a refresh token names no workspace: finds its workspace and row id by the token's hash",
  "app_private.revoke_user_api_credentials": "account erasure revokes the user's API keys and refresh tokens in every workspace at once (P15)",
  "app_private.billing_customer_workspace": "the payment processor's webhook names a customer id before the workspace is known",
  "app_private.messaging_hook": "a messaging provider's webhook names a workspace by its URL token before the workspace is known (id and the verifying secret only)",
  "app_private.messaging_log_workspace": "the inbound logging mailbox names a workspace by its address token before the workspace is known",
};

async function tenantTables(): Promise<string[]> {
  const rows = await t.su<{ table_name: string }[]>`
    select distinct table_name from information_schema.columns
    where table_schema = 'public' and column_name = 'tenant_id' order by 1`;
  return ["tenants", ...rows.map((r) => r.table_name)];
}

describe("P09 tenant isolation in the database", () => {
  test("P09 every table with a tenant_id has row-level security enabled and forced, with a policy that checks both reads and writes", async () => {
    const tables = await tenantTables();
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const table of tables) {
      const [c] = await t.su`select relrowsecurity, relforcerowsecurity from pg_class where oid = ${`public.${table}`}::regclass`;
      expect({ table, enabled: c!.relrowsecurity, forced: c!.relforcerowsecurity }).toEqual({ table, enabled: true, forced: true });
      const policies = await t.su`select qual, with_check, roles::text[] as roles, cmd from pg_policies where schemaname = 'public' and tablename = ${table}`;
      const isolating = policies.filter((p) => p.cmd === "ALL" && p.roles.includes("public") && /current_tenant\(\)/.test(p.qual) && /current_tenant\(\)/.test(p.with_check ?? ""));
      expect({ table, isolating: isolating.length }).toEqual({ table, isolating: 1 });
    }
  });

  test("P09 every table without a tenant_id is on the platform allow-list with a reason", async () => {
    const all = await t.su<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    const tenant = new Set(await tenantTables());
    const unlisted = all.map((r) => r.table_name).filter((n) => !tenant.has(n) && !(n in PLATFORM_TABLES));
    expect(unlisted).toEqual([]);
  });

  test("P09 the runtime role is no superuser, cannot bypass RLS, owns nothing and cannot truncate", async () => {
    const [role] = await t.su`select rolsuper, rolbypassrls from pg_roles where rolname = 'steward_app'`;
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false });
    const [owned] = await t.su`select count(*)::int as n from pg_class where relowner = (select oid from pg_roles where rolname = 'steward_app')`;
    expect(owned!.n).toBe(0);
    const [trunc] = await t.su`select count(*)::int as n from information_schema.table_privileges where grantee = 'steward_app' and privilege_type = 'TRUNCATE'`;
    expect(trunc!.n).toBe(0);
  });

  test("P09 every security definer function is on the allow-list and pins its search_path", async () => {
    const rows = await t.su<{ name: string; config: string[] | null }[]>`
      select n.nspname || '.' || p.proname as name, p.proconfig as config
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema', 'graphile_worker') order by 1`;
    expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(DEFINER_FUNCTIONS).sort());
    for (const r of rows) expect({ fn: r.name, config: r.config }).toEqual({ fn: r.name, config: ["search_path=pg_catalog, pg_temp"] });
  });

  test("P09 fail closed: with no tenant set, the app role reads zero rows of every tenant table and cannot insert", async () => {
    const app = testApp({ db: t.db });
    await createAccount(t, app);
    const [seeded] = await t.su`select count(*)::int as n from memberships`;
    expect(seeded!.n).toBeGreaterThan(0);
    for (const table of await tenantTables()) {
      const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db.app);
      expect({ table, n: r.rows[0]!.n }).toEqual({ table, n: 0 });
    }
    const err = await sql`insert into memberships (tenant_id, user_id, role, created_at) values (gen_random_uuid(), gen_random_uuid(), 'owner', now())`
      .execute(t.db.app)
      .catch((e) => e);
    expect(err.code).toBe("42501");
  });

  test("P09 under workspace A, B's rows cannot be read, changed, deleted, or written with B's tenant id", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app, { workspace: "Alpha MARKER-A" });
    const b = await createAccount(t, app, { workspace: "Beta MARKER-B" });
    await inTransaction(systemCtx(t.db.app, new Date(), a.tenantId), async (tx) => {
      const read = await tx.db.selectFrom("tenants").select("name").where("id", "=", b.tenantId).execute();
      expect(read).toEqual([]);
      const all = await tx.db.selectFrom("memberships").select("tenant_id").execute();
      expect(new Set(all.map((r) => r.tenant_id))).toEqual(new Set([a.tenantId]));
      const upd = await tx.db.updateTable("tenants").set({ name: "pwned" }).where("id", "=", b.tenantId).executeTakeFirst();
      expect(Number(upd.numUpdatedRows)).toBe(0);
      const del = await tx.db.deleteFrom("memberships").where("tenant_id", "=", b.tenantId).executeTakeFirst();
      expect(Number(del.numDeletedRows)).toBe(0);
      const audit = await tx.db.selectFrom("audit_events").select("tenant_id").execute();
      expect(audit.every((r) => r.tenant_id === a.tenantId)).toBe(true);
    });
    const insert = await inTransaction(systemCtx(t.db.app, new Date(), a.tenantId), (tx) =>
      tx.db.insertInto("memberships").values({ tenant_id: b.tenantId, user_id: a.user.id, role: "owner", created_at: tx.now }).execute(),
    ).catch((e) => e);
    expect(insert.code).toBe("42501");
    const [bName] = await t.su`select name from tenants where id = ${b.tenantId}`;
    expect(bName!.name).toBe("Beta MARKER-B");
  });

  test("P09 the index-backed search function answers only the pinned workspace's ids, and nothing without one", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const b = await createAccount(t, app);
    const now = new Date();
    for (const acct of [a, b]) {
      await inTransaction(systemCtx(t.db.app, now, acct.tenantId), (tx) =>
        tx.db.insertInto("contacts").values({ tenant_id: acct.tenantId, id: Bun.randomUUIDv7(), first_name: "Zebediah", last_name: acct.slug, created_at: now, updated_at: now }).execute(),
      );
    }
    const found = await inTransaction(systemCtx(t.db.app, now, a.tenantId), (tx) =>
      sql<{ tenant_id: string }>`select k.tenant_id from app_private.search_matches('contacts', 'zebediah:*') m join contacts k on k.id = m.id`.execute(tx.db),
    );
    expect(found.rows).toEqual([{ tenant_id: a.tenantId }]);
    // Ids only, and only the caller's: even a direct call outside the tenant's own query sees no other workspace.
    const raw = await inTransaction(systemCtx(t.db.app, now, a.tenantId), (tx) => sql<{ id: string }>`select id from app_private.search_matches('contacts', 'zebediah:*')`.execute(tx.db));
    expect(raw.rows).toHaveLength(1);
    const none = await sql<{ id: string }>`select id from app_private.search_matches('contacts', 'zebediah:*')`.execute(t.db.app);
    expect(none.rows).toEqual([]);
    await expect(sql`select * from app_private.search_matches('users', 'x')`.execute(t.db.app)).rejects.toThrow(/unknown table/);
  });

  test("P09 pool leak: 200 interleaved requests from two workspaces over a pool of two connections never show the other's data", async () => {
    const small = connect(t.urls, { poolSize: 2 });
    try {
      const app = testApp({ db: small });
      const a = await createAccount(t, app, { workspace: "Leak MARKER-A" });
      const b = await createAccount(t, app, { workspace: "Leak MARKER-B" });
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const [me, other] = i % 2 ? [a, b] : [b, a];
          const res = await me.client.get(`/t/${me.slug}`);
          const html = await res.text();
          return res.status === 200 && html.includes(me === a ? "MARKER-A" : "MARKER-B") && !html.includes(other === a ? "MARKER-A" : "MARKER-B");
        }),
      );
      expect(results.filter((ok) => !ok)).toHaveLength(0);
    } finally {
      await small.close();
    }
  });
});

