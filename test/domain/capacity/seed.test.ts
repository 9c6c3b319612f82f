import { describe, expect, test } from "bun:test";
import { seedCapacity } from "../../../src/domain/capacity/seed.ts";
import { historyOf, weekday } from "../../../src/domain/capacity/volumes.ts";
import { getProgram } from "../../../src/domain/capacity/programs.ts";
import { systemCtx } from "../../../src/domain/context.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount } from "../../support/factories.ts";

const t = useTestDatabase();

describe("the capacity demo seed", () => {
  test("a year of 15-minute history with a weekday and intraday shape, the same on every run, and a rerun replaces it", async () => {
    const a = await createAccount(t, testApp({ db: t.db }));
    const started = performance.now();
    const first = await seedCapacity(t.db.app, a.tenantId, { endDay: "2025-06-29" });
    console.log(`seedCapacity: ${first.intervals} intervals in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const ctx = { ...systemCtx(t.db.app, new Date(), a.tenantId), actor: { type: "user" as const, id: a.user.id, role: "owner" as const } };
    const program = await getProgram(ctx, first.programId);
    expect(program).toMatchObject({ intervalMinutes: 15, slTarget: 0.8, slSeconds: 20, shrinkageTotal: 25 });
    const history = await historyOf(ctx, first.programId);
    expect(history.length).toBe(first.intervals);
    // 52 weeks: 5 weekdays × 48 intervals + Saturday 32, Sundays closed; one extra day (a Sunday) is closed too.
    expect(first.intervals).toBe(52 * (5 * 48 + 32));
    expect(history[0]!.day).toBe("2024-07-01");
    expect(history.at(-1)!.day).toBe("2025-06-28");
    expect(history.every((h) => h.minute % 15 === 0 && h.offered >= 0 && h.ahtSeconds! > 0)).toBe(true);
    const byWeekday = new Map<number, number>();
    for (const h of history) byWeekday.set(weekday(h.day), (byWeekday.get(weekday(h.day)) ?? 0) + h.offered);
    expect(byWeekday.get(7)).toBeUndefined();
    expect(byWeekday.get(1)!).toBeGreaterThan(byWeekday.get(5)!);
    expect(byWeekday.get(5)!).toBeGreaterThan(byWeekday.get(6)! * 1.5);
    const at = (m: number) => history.filter((h) => h.minute === m && weekday(h.day) <= 5).reduce((s, h) => s + h.offered, 0);
    expect(at(630)).toBeGreaterThan(at(480) * 1.5);
    const total = history.reduce((s, h) => s + h.offered, 0);

    const again = await seedCapacity(t.db.app, a.tenantId, { endDay: "2025-06-29" });
    const rerun = await historyOf(ctx, again.programId);
    expect(rerun.reduce((s, h) => s + h.offered, 0)).toBe(total);
    expect((await t.su`select count(*)::int as n from capacity_programs where tenant_id = ${a.tenantId}`)[0]!.n).toBe(1);
    expect((await t.su`select count(*)::int as n from capacity_agents where tenant_id = ${a.tenantId}`)[0]!.n).toBe(45);
  }, 60_000);
});
