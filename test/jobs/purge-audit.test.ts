import { describe, expect, test } from "bun:test";
import { audit } from "../../src/domain/audit/audit.ts";
import { purgeAuditEvents } from "../../src/domain/audit/retention.ts";
import { verifyAuditChains } from "../../src/domain/audit/verify.ts";
import { systemCtx } from "../../src/domain/context.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { jobDeps, queuedJobs, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();
const DAY = 86_400_000;
// Workspaces are created now (their sign-up events too); the purge runs on an injected clock, years ahead.
const start = Date.now();
const at = (days: number) => new Date(start + days * DAY);

async function events(tenantId: string | null, days: number, n: number, action = "note.created") {
  for (let i = 0; i < n; i++) await audit(systemCtx(t.db.app, at(days), tenantId), action, { type: "note", id: `${days}-${i}` });
}

async function chain(tenantId: string) {
  return t.su<{ action: string; created_at: Date; actor_type: string; changes: Record<string, unknown> | null }[]>`
    select action, created_at, actor_type, changes from audit_events where tenant_id = ${tenantId} order by seq`;
}

describe("audit retention", () => {
  test("P11 audit rows older than 12 months are deleted in batches, newer rows are kept, and the purge is itself audited", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const b = await createAccount(t, app);
    await events(a.tenantId, 10, 5); // will be 370 days old
    await events(a.tenantId, 300, 3); // will be 80 days old
    await events(b.tenantId, 300, 2);
    await events(null, 20, 4, "session.created");
    const now = at(380);
    const cutoff = new Date(now.getTime() - 365 * DAY);
    const oldInA = (await chain(a.tenantId)).filter((e) => e.created_at < cutoff).length;
    expect(oldInA).toBe(5 + 2); // the workspace's own creation events are old too

    const r = await purgeAuditEvents(t.db.owner, now, 2);
    // 7 rows in batches of 2 is 4 batches for A alone: the loop, not one big delete.
    expect(r.batches).toBeGreaterThanOrEqual(4 + 1 + 1);

    const left = await chain(a.tenantId);
    expect(left.filter((e) => e.created_at < cutoff)).toEqual([]);
    expect(left.filter((e) => e.action === "note.created")).toHaveLength(3);
    const purged = left.at(-1)!;
    expect(purged).toMatchObject({ action: "audit.purged", actor_type: "system", changes: { deleted: oldInA, before: cutoff.toISOString() } });
    // B had nothing old beyond its creation events, which are purged and recorded; its recent events stay.
    expect((await chain(b.tenantId)).filter((e) => e.action === "note.created")).toHaveLength(2);
    const [account] = await t.su`select count(*)::int as n from audit_events where tenant_id is null and created_at < ${cutoff}`;
    expect(account!.n).toBe(0);

    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });

    // A second run finds nothing and records nothing.
    const again = await purgeAuditEvents(t.db.owner, now, 2);
    expect(again.deleted).toBe(0);
    expect((await chain(a.tenantId)).filter((e) => e.action === "audit.purged")).toHaveLength(1);
  });

  test("P11 the scheduled purge-audit job purges with the worker's clock and leaves every chain verifiable", async () => {
    const c = await createAccount(t, testApp({ db: t.db }));
    await events(c.tenantId, 1000, 4);
    await events(c.tenantId, 1300, 2);
    const now = at(1400);
    await t.su`select graphile_worker.add_job('purge-audit', '{}'::json)`;
    await runDueJobs(t, jobDeps(t, { now: () => now }));
    expect(await queuedJobs(t)).toEqual([]);
    const left = await chain(c.tenantId);
    expect(left.map((e) => e.action)).toEqual(["note.created", "note.created", "audit.purged"]);
    expect(left.at(-1)!.changes).toMatchObject({ deleted: 4 + 2 }); // and the two events of its creation
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
  });

  test("an old-dated event written after a newer one waits, so that the chain never gets a hole", async () => {
    const d = await createAccount(t, testApp({ db: t.db }));
    await events(d.tenantId, 2000, 1);
    await events(d.tenantId, 1900, 1); // a skewed clock wrote it later, dated earlier
    await purgeAuditEvents(t.db.owner, at(2000 + 200));
    const mid = await chain(d.tenantId);
    expect(mid.filter((e) => e.action === "note.created")).toHaveLength(2);
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
    await purgeAuditEvents(t.db.owner, at(2000 + 400));
    expect((await chain(d.tenantId)).filter((e) => e.action === "note.created")).toHaveLength(0);
    expect(await verifyAuditChains(t.db.owner)).toMatchObject({ ok: true });
  });
});
