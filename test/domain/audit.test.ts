import { describe, expect, test } from "bun:test";
import { sql } from "kysely";
import { audit } from "../../src/domain/audit/audit.ts";
import { verifyAuditChains } from "../../src/domain/audit/verify.ts";
import { inTransaction, type Ctx } from "../../src/domain/context.ts";
import type { DB } from "../../src/domain/db.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";

const t = useTestDatabase();

function userCtx(db: DB, tenantId: string | null, over: Partial<Ctx> = {}): Ctx {
  return {
    db,
    tenantId,
    actor: { type: "user", id: crypto.randomUUID(), label: "Ada Lovelace", role: "owner" },
    now: new Date(),
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (TestBrowser)",
    ...over,
  };
}

async function workspace() {
  return createAccount(t, testApp({ db: t.db }));
}

describe("audit trail", () => {
  test("P10 an audit row carries actor, action, target, time, IP, user agent and before/after, with secrets redacted", async () => {
    const a = await workspace();
    const now = new Date("2025-06-01T10:20:30.456Z");
    const ctx = userCtx(t.db.app, a.tenantId, { now });
    await audit(ctx, "member.updated", { type: "user", id: "u-42" }, { role: { from: "member", to: "admin" }, password: "x", nested: { api_token: "t0k" } });
    const [row] = await t.su`select * from audit_events where tenant_id = ${a.tenantId} and action = 'member.updated'`;
    expect(row!.actor_type).toBe("user");
    expect(row!.actor_id).toBe(ctx.actor!.id);
    expect(row!.actor_label).toBe("Ada Lovelace");
    expect(row!.target_type).toBe("user");
    expect(row!.target_id).toBe("u-42");
    expect((row!.created_at as Date).toISOString()).toBe(now.toISOString());
    expect(row!.ip).toBe("203.0.113.7");
    expect(row!.user_agent).toBe("Mozilla/5.0 (TestBrowser)");
    expect(row!.changes).toEqual({ role: { from: "member", to: "admin" }, password: "[redacted]", nested: { api_token: "[redacted]" } });
    expect(JSON.stringify(row!.changes)).not.toContain("t0k");
  });

  test("P11 audit rows cannot be edited or deleted by the app role", async () => {
    const a = await workspace();
    await audit(userCtx(t.db.app, a.tenantId), "deal.created", { type: "deal", id: "d1" });
    const app = userCtx(t.db.app, a.tenantId);
    await expect(inTransaction(app, (tx) => sql`update audit_events set action = 'deal.deleted' where action = 'deal.created'`.execute(tx.db))).rejects.toThrow(/permission denied/);
    await expect(inTransaction(app, (tx) => sql`update audit_events set actor_label = 'someone else'`.execute(tx.db))).rejects.toThrow(/permission denied/);
    await expect(inTransaction(app, (tx) => sql`delete from audit_events`.execute(tx.db))).rejects.toThrow(/permission denied/);
    await expect(inTransaction(app, (tx) => sql`truncate audit_events`.execute(tx.db))).rejects.toThrow(/permission denied/);
    // Even the owner, who may pseudonymise, cannot change what happened.
    const owner = userCtx(t.db.owner, a.tenantId);
    await expect(inTransaction(owner, (tx) => sql`update audit_events set action = 'deal.deleted' where action = 'deal.created'`.execute(tx.db))).rejects.toThrow("audit events cannot be changed");
    await expect(inTransaction(owner, (tx) => sql`update audit_events set created_at = created_at - interval '1 day'`.execute(tx.db))).rejects.toThrow("audit events cannot be changed");
    const [kept] = await t.su`select count(*)::int as n from audit_events where tenant_id = ${a.tenantId} and action = 'deal.created'`;
    expect(kept!.n).toBe(1);
    // Pseudonymisation on erasure is the one change allowed, and it keeps the chain whole.
    await inTransaction(owner, (tx) => sql`update audit_events set actor_label = 'Former user 1', ip = null where action = 'deal.created'`.execute(tx.db));
    expect((await verifyAuditChains(t.db.owner)).ok).toBe(true);
  });

  test("the hash chain verifies after a series of events across two workspaces, and a changed event is reported at its seq", async () => {
    const a = await workspace();
    const b = await workspace();
    for (let i = 0; i < 6; i++) {
      await audit(userCtx(t.db.app, a.tenantId), "note.created", { type: "note", id: `a-${i}` }, { body: { from: null, to: `ä ${i} — ünïcode` } });
      await audit(userCtx(t.db.app, b.tenantId), "note.created", { type: "note", id: `b-${i}` });
      await audit(userCtx(t.db.app, null), "session.created", { type: "session", id: `s-${i}` });
    }
    const before = await verifyAuditChains(t.db.owner);
    expect(before).toMatchObject({ ok: true });
    const [counted] = await t.su`select count(*)::int as n, count(distinct coalesce(tenant_id::text, '-'))::int as chains from audit_events`;
    expect(before).toEqual({ ok: true, checked: counted!.n, chains: counted!.chains });

    const [victim] = await t.su`select id, seq::text as seq from audit_events where tenant_id = ${b.tenantId} and target_id = 'b-3'`;
    // A superuser with triggers off is the only way past the immutability trigger: exactly what verification is for.
    await t.su.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update audit_events set action = 'note.deleted' where id = ${victim!.id}`;
    });
    const broken = await verifyAuditChains(t.db.owner);
    expect(broken).toMatchObject({ ok: false, tenantId: b.tenantId, seq: victim!.seq, id: victim!.id });
    expect(broken.ok ? "" : broken.reason).toContain("contents do not match");

    await t.su.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update audit_events set action = 'note.created' where id = ${victim!.id}`;
    });
    expect((await verifyAuditChains(t.db.owner)).ok).toBe(true);
  });

  test("an event removed from the middle of a chain is reported at the event after it", async () => {
    const a = await workspace();
    for (let i = 0; i < 4; i++) await audit(userCtx(t.db.app, a.tenantId), "note.created", { type: "note", id: `m-${i}` });
    const [gone] = await t.su`select id from audit_events where tenant_id = ${a.tenantId} and target_id = 'm-1'`;
    const [next] = await t.su`select id, seq::text as seq from audit_events where tenant_id = ${a.tenantId} and target_id = 'm-2'`;
    await t.su`create table audit_backup as select * from audit_events where id = ${gone!.id}`;
    await t.su`delete from audit_events where id = ${gone!.id}`;
    const broken = await verifyAuditChains(t.db.owner);
    expect(broken).toMatchObject({ ok: false, tenantId: a.tenantId, seq: next!.seq, id: next!.id });
    expect(broken.ok ? "" : broken.reason).toContain("link does not match");
    await t.su.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`insert into audit_events select * from audit_backup`;
      await tx`drop table audit_backup`;
    });
    expect((await verifyAuditChains(t.db.owner)).ok).toBe(true);
  });

  test("verification reads chains page by page and recomputes hashes over microsecond timestamps", async () => {
    const a = await workspace();
    // Written by SQL rather than audit(): a JS Date has milliseconds only, Postgres keeps microseconds. The
    // chaining trigger finds the previous event under row-level security, so the tenant is pinned as the app does.
    for (const at of ["2025-01-01 00:00:00.123456+00", "2025-01-01 00:00:00.123457+00", "2025-01-02 23:59:59.999999+00"]) {
      await t.su.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', ${a.tenantId}, true)`;
        await tx`insert into audit_events (id, tenant_id, actor_type, action, created_at) values (${Bun.randomUUIDv7()}, ${a.tenantId}, 'system', 'clock.ticked', ${at}::text::timestamptz)`;
      });
    }
    const [micro] = await t.su`select to_char(created_at at time zone 'UTC', 'US') as us from audit_events where tenant_id = ${a.tenantId} and action = 'clock.ticked' order by seq limit 1`;
    expect(micro!.us).toBe("123456");
    const whole = await verifyAuditChains(t.db.owner);
    expect(whole).toMatchObject({ ok: true });
    expect(await verifyAuditChains(t.db.owner, 2)).toEqual(whole);
  });

  test("concurrent audit writes in one workspace still form one valid chain", async () => {
    const a = await workspace();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction(userCtx(t.db.app, a.tenantId), async (tx) => {
          await audit(tx, "task.created", { type: "task", id: `c-${i}` });
          await sql`select pg_sleep(0.002)`.execute(tx.db);
        }),
      ),
    );
    const rows = await t.su`select seq, prev_hash, hash from audit_events where tenant_id = ${a.tenantId} order by seq`;
    expect(rows.filter((r) => r.prev_hash === null)).toHaveLength(1);
    for (let i = 1; i < rows.length; i++) expect(Buffer.from(rows[i]!.prev_hash).equals(Buffer.from(rows[i - 1]!.hash))).toBe(true);
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
  });
});
