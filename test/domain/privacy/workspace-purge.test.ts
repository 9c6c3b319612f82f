import { beforeAll, describe, expect, test } from "bun:test";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { dataMap } from "../../../src/domain/datamap.ts";
import { orderChildrenFirst, purgePlan } from "../../../src/domain/privacy/workspace-purge-plan.ts";
import { purgeProgress, purgeWorkspaceLater, runWorkspacePurge } from "../../../src/domain/privacy/workspace-purge.ts";
import { useTestDatabase } from "../../support/db.ts";
import { queuedJobs } from "../../support/jobs.ts";
import { nonZero, readyForPurge, rowsOf, seedWorkspace, total, type Seeded } from "./workspace-purge-support.ts";

const t = useTestDatabase();
const pools = () => ({ app: t.db.app, owner: t.db.owner });
const clock = () => new Date("2031-05-01T12:00:00Z");

let gone: Seeded;
let kept: Seeded;
let goneBefore: Record<string, number>;
let keptBefore: Record<string, number>;

beforeAll(async () => {
  gone = await seedWorkspace(t, "going");
  kept = await seedWorkspace(t, "staying");
  goneBefore = await rowsOf(t, gone.tenantId);
  keptBefore = await rowsOf(t, kept.tenantId);
  await readyForPurge(t, gone.tenantId);
});

describe("the workspace purge", () => {
  test("the plan is every data-map table with a tenant column, children before parents, as the app role wherever it may delete", async () => {
    const plan = await purgePlan(t.db.app);
    const mapped = dataMap.filter((e) => e.tenantColumn && e.tenantColumn !== "id").map((e) => e.table);
    expect(plan.map((p) => p.table).sort()).toEqual(mapped.sort());
    const edges = await t.su<{ child: string; parent: string }[]>`
      select c.relname as child, p.relname as parent from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
      where k.contype = 'f' and k.conrelid <> k.confrelid`;
    const at = new Map(plan.map((p, i) => [p.table, i]));
    for (const e of edges) if (at.has(e.child) && at.has(e.parent)) expect(`${e.child} before ${e.parent}: ${at.get(e.child)! < at.get(e.parent)!}`).toBe(`${e.child} before ${e.parent}: true`);
    const appCannot = await t.su<{ t: string }[]>`select relname as t from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'
      and relname = any(${mapped}) and not has_table_privilege('steward_app', oid, 'DELETE')`;
    expect(plan.filter((p) => p.role === "owner").map((p) => p.table).sort()).toEqual(appCannot.map((r) => r.t).sort());
    expect(plan.find((p) => p.table === "contacts")!.role).toBe("app");
  });

  test("ordering falls back to the data map's order on a cycle instead of looping", () => {
    const parents = new Map([["a", ["b"]], ["b", ["a"]], ["c", ["a"]]]);
    expect(orderChildrenFirst(["a", "b", "c"], parents)).toEqual(["c", "a", "b"]);
  });

  test("P16 stopped after every single batch, the purge resumes where its record says and in the end leaves no row of the workspace in any table with a tenant_id column, counting each row once; the other workspace is untouched", async () => {
    expect(Object.keys(nonZero(goneBefore)).length).toBeGreaterThanOrEqual(20);
    let runs = 0;
    let seenMidway = false;
    for (;;) {
      // A deadline already past: each run does exactly one batch and stops, as a killed or sliced job would.
      const r = await runWorkspacePurge(pools(), clock, gone.tenantId, "cancelled", { batchSize: 150, pauseMs: 0, deadline: Date.now() });
      runs++;
      if (r.outcome === "purged") break;
      expect(r.outcome).toBe("paused");
      const p = (await purgeProgress(t.db.owner, gone.tenantId))!;
      expect(p.finishedAt).toBeNull();
      expect(p.rowsDeleted).toBe(total(p.counts));
      if (p.rowsDeleted > 0 && p.rowsDeleted < total(goneBefore) - 1) seenMidway = true;
      expect(runs).toBeLessThan(500);
    }
    expect(seenMidway).toBe(true);
    expect(runs).toBeGreaterThan(Object.keys(goneBefore).length);

    expect(nonZero(await rowsOf(t, gone.tenantId))).toEqual({});
    expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
    const p = (await purgeProgress(t.db.owner, gone.tenantId))!;
    expect(p.finishedAt).toEqual(clock());
    expect(p.currentTable).toBeNull();
    expect(p.reason).toBe("cancelled");
    expect(p.counts).toEqual(nonZero(goneBefore));
    expect(p.rowsDeleted).toBe(total(goneBefore));
    // The account that owned both workspaces is a platform record: it stays, with the other workspace.
    const [user] = await t.su`select 1 from users where id = ${gone.userId}`;
    expect(user).toBeDefined();
  }, 60_000);

  test("P24 the purge leaves one ledger row per table naming the workspace (no row ids) and one platform audit event with the counts", async () => {
    const ledger = await t.su<{ tenant_id: string | null; table_name: string; action: string; row_ids: string[]; subject_kind: string; subject_ids: string[] }[]>`
      select tenant_id, table_name, action, row_ids, subject_kind, subject_ids from deletion_ledger where subject_kind = 'workspace'`;
    expect(ledger.map((l) => l.table_name).sort()).toEqual(Object.keys(nonZero(goneBefore)).sort());
    for (const l of ledger) expect(l).toMatchObject({ tenant_id: null, action: "delete", row_ids: [], subject_ids: [gone.tenantId] });

    const events = await t.su<{ tenant_id: string | null; action: string; actor_type: string; target_id: string; changes: { reason: string; rows: number; tables: Record<string, number> } }[]>`
      select tenant_id, action, actor_type, target_id, changes from audit_events where target_id = ${gone.tenantId} and action like 'workspace.purge%' order by seq`;
    expect(events.map((e) => [e.action, e.tenant_id, e.actor_type])).toEqual([
      ["workspace.purge_started", null, "system"],
      ["workspace.purged", null, "system"],
    ]);
    expect(events[1]!.changes.rows).toBe(total(goneBefore));
    expect(events[1]!.changes.tables).toEqual(nonZero(goneBefore));
    expect(events[1]!.changes.reason).toBe("cancelled");
  });

  test("running it again, or for a workspace that does not exist, does nothing", async () => {
    const again = await runWorkspacePurge(pools(), clock, gone.tenantId, "cancelled");
    expect(again.outcome).toBe("already-purged");
    expect(again.rowsDeleted).toBe(total(goneBefore));
    const [n] = await t.su<{ n: number }[]>`select count(*)::int as n from audit_events where target_id = ${gone.tenantId} and action = 'workspace.purged'`;
    expect(n!.n).toBe(1);
    expect((await runWorkspacePurge(pools(), clock, Bun.randomUUIDv7(), "lapsed")).outcome).toBe("no-such-workspace");
    expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
  });

  test("a workspace the lifecycle has not handed over (status other than purging) is never purged, whatever queued it", async () => {
    for (const status of ["active", "cancelled"]) {
      if (status === "cancelled") await t.su`update tenants set status = 'cancelled', cancelled_at = now(), purge_after = now() where id = ${kept.tenantId}`;
      const r = await runWorkspacePurge(pools(), clock, kept.tenantId, "cancelled");
      expect(r.outcome).toBe("not-purging");
      expect(await rowsOf(t, kept.tenantId)).toEqual(keptBefore);
      expect(await purgeProgress(t.db.owner, kept.tenantId)).toBeNull();
    }
    await t.su`update tenants set status = 'active', cancelled_at = null, purge_after = null where id = ${kept.tenantId}`;
  });

  test("purgeWorkspaceLater queues one keyed job inside the caller's transaction, and none when that transaction rolls back", async () => {
    const id = Bun.randomUUIDv7();
    await expect(
      inTransaction(systemCtx(t.db.app), async (tx) => {
        await purgeWorkspaceLater(tx, id, "lapsed");
        throw new Error("the status change failed");
      }),
    ).rejects.toThrow("the status change failed");
    expect((await queuedJobs(t)).filter((j) => j.task === "workspace-purge")).toEqual([]);
    for (let i = 0; i < 2; i++) await inTransaction(systemCtx(t.db.app), (tx) => purgeWorkspaceLater(tx, id, "lapsed"));
    const jobs = (await queuedJobs(t)).filter((j) => j.task === "workspace-purge");
    expect(jobs.map((j) => [j.key, j.payload])).toEqual([[`workspace-purge:${id}`, { tenantId: id, reason: "lapsed" }]]);
  });
});
