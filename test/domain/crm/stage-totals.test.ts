import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { sql } from "kysely";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";

const t = useTestDatabase();

type Op =
  | { kind: "insert"; stage: number; amount: number; currency: string; open: boolean }
  | { kind: "move"; pick: number; stage: number }
  | { kind: "amount"; pick: number; amount: number }
  | { kind: "currency"; pick: number; currency: string }
  | { kind: "close"; pick: number }
  | { kind: "reopen"; pick: number }
  | { kind: "delete"; pick: number }
  | { kind: "deleteStage"; stage: number };

const currency = fc.constantFrom("EUR", "USD", "GBP");
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), stage: fc.nat(2), amount: fc.nat(1_000_000), currency, open: fc.boolean() }),
  fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), stage: fc.nat(2) }),
  fc.record({ kind: fc.constant("amount" as const), pick: fc.nat(), amount: fc.nat(1_000_000) }),
  fc.record({ kind: fc.constant("currency" as const), pick: fc.nat(), currency }),
  fc.record({ kind: fc.constant("close" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reopen" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("deleteStage" as const), stage: fc.nat(2) }),
);

describe("the board's stage totals", () => {
  test("after any sequence of inserts, moves, amount and currency changes, closes, reopens and (bulk) deletes, the maintained totals equal a fresh sum of the open deals", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const ctx = systemCtx(t.db.app, new Date(), a.tenantId);
    const pipelineId = Bun.randomUUIDv7();
    const stages = [Bun.randomUUIDv7(), Bun.randomUUIDv7(), Bun.randomUUIDv7()];
    await inTransaction(ctx, async (tx) => {
      await tx.db.insertInto("pipelines").values({ tenant_id: a.tenantId, id: pipelineId, name: "Totals", created_at: new Date() }).execute();
      for (const [i, id] of stages.entries()) {
        await tx.db.insertInto("pipeline_stages").values({ tenant_id: a.tenantId, id, pipeline_id: pipelineId, name: `S${i}`, position: i, probability: 10 }).execute();
      }
    });

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        await inTransaction(ctx, async (tx) => {
          for (const o of ops) {
            const ids = (await tx.db.selectFrom("deals").select("id").orderBy("id").execute()).map((r) => r.id);
            const id = "pick" in o && ids.length ? ids[o.pick % ids.length]! : null;
            const deals = () => tx.db.updateTable("deals").where("id", "=", id!);
            if (o.kind === "insert") {
              await tx.db
                .insertInto("deals")
                .values({
                  tenant_id: a.tenantId, id: Bun.randomUUIDv7(), title: "D", pipeline_id: pipelineId, stage_id: stages[o.stage]!, amount_minor: String(o.amount),
                  currency: o.currency, status: o.open ? "open" : "won", closed_at: o.open ? null : new Date(), created_at: new Date(), updated_at: new Date(), created_by: null,
                })
                .execute();
            } else if (o.kind === "deleteStage") {
              await tx.db.deleteFrom("deals").where("stage_id", "=", stages[o.stage]!).execute();
            } else if (!id) {
              continue;
            } else if (o.kind === "move") await deals().set({ stage_id: stages[o.stage]! }).execute();
            else if (o.kind === "amount") await deals().set({ amount_minor: String(o.amount) }).execute();
            else if (o.kind === "currency") await deals().set({ currency: o.currency }).execute();
            else if (o.kind === "close") await deals().set({ status: "lost", closed_at: new Date() }).execute();
            else if (o.kind === "reopen") await deals().set({ status: "open", closed_at: null }).execute();
            else await tx.db.deleteFrom("deals").where("id", "=", id).execute();
          }
          const fresh = await sql<{ k: string; n: number; minor: string }>`
            select stage_id || currency as k, count(*)::int as n, sum(amount_minor)::text as minor from deals where status = 'open' group by 1 order by 1`.execute(tx.db);
          const kept = await sql<{ k: string; n: number; minor: string }>`
            select stage_id || currency as k, deals as n, amount_minor::text as minor from deal_stage_totals where deals <> 0 or amount_minor <> 0 order by 1`.execute(tx.db);
          expect(kept.rows).toEqual(fresh.rows);
        });
      }),
      { numRuns: 40 },
    );
  });

  test("the app role can read the totals but not write them", async () => {
    const app = testApp({ db: t.db });
    const a = await createAccount(t, app);
    const write = inTransaction(systemCtx(t.db.app, new Date(), a.tenantId), (tx) =>
      sql`insert into deal_stage_totals (tenant_id, pipeline_id, stage_id, currency, deals) values (${a.tenantId}, ${a.tenantId}, ${a.tenantId}, 'EUR', 1)`.execute(tx.db),
    );
    await expect(write).rejects.toThrow(/permission denied/);
  });
});
