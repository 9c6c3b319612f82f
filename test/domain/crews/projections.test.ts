import { beforeAll, describe, expect, test } from "bun:test";
import { inTransaction, systemCtx, type Ctx } from "../../../src/domain/context.ts";
import { loadProjection } from "../../../src/domain/crews/projections.ts";
import { formatWeek, weekOf } from "../../../src/domain/crews/week.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import { seedProjectionFixture, type Fixture } from "./projection-fixture.ts";

const t = useTestDatabase();
let owner: Account;
let fx: Fixture;
const NOW = new Date("2026-03-05T12:00:00Z");
const ctx = (): Ctx => ({ ...systemCtx(t.db.app, NOW, owner.tenantId), actor: { type: "user", id: owner.user.id, role: "viewer" } });
const setWeekStart = (n: number) => t.su`update tenants set week_start = ${n} where id = ${owner.tenantId}`;
const trade = async (q: Record<string, string>, name: string) => {
  const r = await loadProjection(ctx(), q);
  return r.projection.trades.find((x) => x.name === name)?.weeks.slice(0, 2);
};

beforeAll(async () => {
  owner = await createAccount(t, testApp({ db: t.db }));
  fx = await seedProjectionFixture(t, owner.tenantId);
});

describe("manpower projections, worked out by hand (see projection-fixture.ts)", () => {
  test("Monday weeks: peaks of overlapping requirements, PTO all week, a double booking counted once, an inactive finisher scheduled but not available", async () => {
    await setWeekStart(1);
    const r = await loadProjection(ctx(), { from: "2026-W10" });
    expect(r.params).toEqual({ from: "2026-W10", weeks: 26, trade: "", bids: false });
    expect(r.labels.slice(0, 2)).toEqual(["2026-W10", "2026-W11"]);
    expect(r.projection.weeks.slice(0, 2)).toEqual(["2026-03-02", "2026-03-09"]);
    expect(r.projection.weeks).toHaveLength(26);
    const finisher = r.projection.trades.find((x) => x.key === "finisher")!;
    expect(finisher.name).toBe("Finisher");
    // W10: Tue and Wed need 2 + 1; Ann and Dan on projects (Ann twice on Monday); Bea on PTO all week.
    expect(finisher.weeks[0]).toEqual({ required: 3, scheduled: 2, available: 2, gap: -1 });
    // W11: the lower-case "finisher" requirement reaches Mon–Tue; Cal works the Saturday; Bea's PTO is part-week.
    expect(finisher.weeks[1]).toEqual({ required: 1, scheduled: 1, available: 3, gap: 2 });
    const laborer = r.projection.trades.find((x) => x.key === "laborer")!;
    // Fox's Sunday is in W10; Eve's PTO straddles both weeks (available in each); Fox's sick week does not count.
    expect(laborer.weeks.slice(0, 2)).toEqual([{ required: 0, scheduled: 1, available: 2, gap: 2 }, { required: 4, scheduled: 0, available: 2, gap: -2 }]);
    expect(r.projection.totals.slice(0, 2)).toEqual([{ required: 3, scheduled: 3, available: 4, gap: 1 }, { required: 5, scheduled: 1, available: 5, gap: 0 }]);
    expect(r.projection.totals[2]).toEqual({ required: 0, scheduled: 0, available: 5, gap: 5 });
  });

  test("bids count only when asked; a complete project's requirements never do", async () => {
    await setWeekStart(1);
    expect((await trade({ from: "2026-W10", bids: "1" }, "Laborer"))![0]).toEqual({ required: 5, scheduled: 1, available: 2, gap: -3 });
    expect((await trade({ from: "2026-W10", bids: "1" }, "Finisher"))![0]!.required).toBe(3);
  });

  test("one trade: its rows only, and its own figures as the totals", async () => {
    const r = await loadProjection(ctx(), { from: "2026-W10", trade: "Laborer", weeks: "52" });
    expect(r.projection.trades.map((x) => x.key)).toEqual(["laborer"]);
    expect(r.projection.totals).toEqual(r.projection.trades[0]!.weeks);
    expect(r.projection.weeks).toHaveLength(52);
    expect(r.tradeChoices).toEqual([{ key: "finisher", name: "Finisher" }, { key: "laborer", name: "Laborer" }]);
  });

  test("Sunday weeks: Fox's Sunday moves to the following week", async () => {
    await setWeekStart(7);
    const from = formatWeek(weekOf("2026-03-01", 7));
    const laborer = await trade({ from }, "Laborer");
    expect(laborer).toEqual([{ required: 0, scheduled: 0, available: 2, gap: 2 }, { required: 4, scheduled: 1, available: 2, gap: -2 }]);
    await setWeekStart(1);
  });

  test("Wednesday weeks: PTO on every weekday of a week that spans two ISO weeks makes Eve and Bea unavailable", async () => {
    await setWeekStart(3);
    const from = formatWeek(weekOf("2026-03-04", 3));
    // Wed 4 – Tue 10 March, then Wed 11 – Tue 17.
    expect(await trade({ from }, "Laborer")).toEqual([{ required: 0, scheduled: 1, available: 1, gap: 1 }, { required: 4, scheduled: 0, available: 2, gap: -2 }]);
    expect((await trade({ from }, "Finisher"))![0]).toEqual({ required: 3, scheduled: 1, available: 2, gap: -1 });
    await setWeekStart(1);
  });

  test("the weekly digest follows inserts, updates and deletes made by the app role under row-level security", async () => {
    await setWeekStart(1);
    const week = async () => (await trade({ from: "2026-W10" }, "Finisher"))![0];
    // Bea back on Friday: her PTO no longer covers the whole week.
    await inTransaction(ctx(), (tx) => tx.db.deleteFrom("crew_assignments").where("employee_id", "=", fx.employees.bea).where("day", "=", "2026-03-06").execute());
    expect(await week()).toEqual({ required: 3, scheduled: 2, available: 3, gap: 0 });
    // ... and on a project that Friday.
    await inTransaction(ctx(), (tx) =>
      tx.db.insertInto("crew_assignments").values({ tenant_id: owner.tenantId, id: Bun.randomUUIDv7(), employee_id: fx.employees.bea, day: "2026-03-06", kind: "project", project_id: fx.projects.p, created_at: NOW }).execute(),
    );
    expect(await week()).toEqual({ required: 3, scheduled: 3, available: 3, gap: 0 });
    // Dan's Monday moves to the next week.
    await inTransaction(ctx(), (tx) => tx.db.updateTable("crew_assignments").set({ day: "2026-03-09" }).where("employee_id", "=", fx.employees.dan).execute());
    expect(await week()).toEqual({ required: 3, scheduled: 2, available: 3, gap: 0 });
    const digest = await t.su`select employee_id, monday::text, project_days, pto_days from crew_assignment_weeks where employee_id = ${fx.employees.dan} order by monday`;
    expect([...digest]).toEqual([{ employee_id: fx.employees.dan, monday: "2026-03-09", project_days: 1, pto_days: 0 }]);
    // Deleting an employee takes their weeks with them.
    await inTransaction(ctx(), (tx) => tx.db.deleteFrom("crew_employees").where("id", "=", fx.employees.dan).execute());
    expect((await t.su`select count(*)::int as n from crew_assignment_weeks where employee_id = ${fx.employees.dan}`)[0]!.n).toBe(0);
  });

  test("a malformed week or number of weeks is refused with a message per field", async () => {
    await expect(loadProjection(ctx(), { from: "2026-13", weeks: "30" })).rejects.toMatchObject({ fieldErrors: { from: expect.stringContaining("YYYY-Www"), weeks: "Choose 26 or 52 weeks." } });
    await expect(loadProjection(ctx(), { from: "2026-W54" })).rejects.toMatchObject({ fieldErrors: { from: expect.any(String) } });
  });

  test("without a week, the projection starts at this week in the workspace's time zone", async () => {
    const r = await loadProjection(ctx(), {});
    expect(r.params.from).toBe("2026-W10");
  });
});
