import { beforeAll, describe, expect, test } from "bun:test";
import { systemCtx, type Ctx } from "../../../src/domain/context.ts";
import { assignDay, assignWeek, clearSchedule, copyLastWeek, removeAssignment } from "../../../src/domain/crews/assignments.ts";
import { createEmployee, deleteEmployee, setEmployeeActive, updateEmployee } from "../../../src/domain/crews/employees.ts";
import { tradeKey } from "../../../src/domain/crews/projection-math.ts";
import { loadProjection } from "../../../src/domain/crews/projections.ts";
import { testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";
import { seedProjectionFixture, type Fixture } from "./projection-fixture.ts";

// crew_trade_weeks (migrations/0022) is a summary kept by triggers: the projection page reads it instead of
// counting the schedule. These tests change the schedule and the people every way the app can, and after each
// change compare the summary, and the projection built from it, with a count from scratch over crew_assignments.

const t = useTestDatabase();
let owner: Account;
let fx: Fixture;
const NOW = new Date("2026-03-05T12:00:00Z");
const ctx = (): Ctx => ({ ...systemCtx(t.db.app, NOW, owner.tenantId), actor: { type: "user", id: owner.user.id, role: "owner" } });
const WEEKS = ["2026-W10", "2026-W11", "2026-W12", "2026-W13"];
const DAYS = Array.from({ length: 28 }, (_, i) => new Date(Date.UTC(2026, 2, 2 + i)).toISOString().slice(0, 10));

type Row = { monday: string; trade: string; scheduled: number; away: number };

/** Straight from the assignments: people on a project at least one day of the ISO week; active people on PTO Mon–Fri. */
async function fromScratch(): Promise<Row[]> {
  return [
    ...(await t.su<Row[]>`
      with pw as (
        select a.employee_id, date_trunc('week', a.day)::date as monday, bool_or(a.kind = 'project') as on_project,
               count(distinct a.day) filter (where a.kind = 'pto' and extract(isodow from a.day) <= 5) as pto_weekdays
        from crew_assignments a where a.tenant_id = ${owner.tenantId} group by 1, 2)
      select pw.monday::text, e.trade, count(*) filter (where pw.on_project)::int as scheduled,
             count(*) filter (where e.active and pw.pto_weekdays = 5)::int as away
      from pw join crew_employees e on e.id = pw.employee_id
      group by 1, 2 having count(*) filter (where pw.on_project) > 0 or count(*) filter (where e.active and pw.pto_weekdays = 5) > 0
      order by 1, 2`),
  ];
}

async function summary(): Promise<Row[]> {
  return [...(await t.su<Row[]>`select monday::text, trade, scheduled, away from crew_trade_weeks where tenant_id = ${owner.tenantId} order by 1, 2`)];
}

/** The summary equals the count from scratch, and so do the projection's scheduled and available figures. */
async function expectExact(step: string) {
  const scratch = await fromScratch();
  expect({ step, rows: await summary() }).toEqual({ step, rows: scratch });
  const r = await loadProjection(ctx(), { from: WEEKS[0] });
  const active = new Map<string, number>();
  for (const e of await t.su<{ trade: string; n: number }[]>`select trade, count(*)::int as n from crew_employees where tenant_id = ${owner.tenantId} and active group by 1`) {
    active.set(tradeKey(e.trade), (active.get(tradeKey(e.trade)) ?? 0) + e.n);
  }
  for (const [i, monday] of r.projection.weeks.slice(0, WEEKS.length).entries()) {
    for (const trade of r.projection.trades) {
      const rows = scratch.filter((x) => x.monday === monday && tradeKey(x.trade) === trade.key);
      const scheduled = rows.reduce((n, x) => n + x.scheduled, 0);
      const away = rows.reduce((n, x) => n + x.away, 0);
      expect({ step, monday, trade: trade.key, scheduled: trade.weeks[i]!.scheduled, available: trade.weeks[i]!.available }).toEqual({
        step,
        monday,
        trade: trade.key,
        scheduled,
        available: Math.max(0, (active.get(trade.key) ?? 0) - away),
      });
    }
  }
}

/** A small deterministic generator, so a failure replays the same way. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

beforeAll(async () => {
  owner = await createAccount(t, testApp({ db: t.db }));
  fx = await seedProjectionFixture(t, owner.tenantId);
});

describe("the per-week per-trade summary behind the projections", () => {
  test("starts equal to a count from scratch", async () => {
    expect((await summary()).length).toBeGreaterThan(0);
    await expectExact("fixture");
  });

  test("stays exact through assigns, double bookings, whole weeks, copies, clears and removals", async () => {
    const next = rng(7);
    const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
    const people = () => Object.values(fx.employees).filter((id) => id !== fx.employees.dan);
    const kinds = ["project", "project", "project", "pto", "pto", "sick", "training", "off"];
    for (let i = 0; i < 60; i++) {
      const op = pick(["day", "day", "day", "add", "week", "copy", "clear-cell", "clear-employee", "clear-week", "remove"]);
      const employee_id = pick(people());
      const week = pick(WEEKS);
      const kind = pick(kinds);
      const what = { employee_id, kind, project_id: kind === "project" ? pick([fx.projects.p, fx.projects.q]) : "" };
      try {
        if (op === "day" || op === "add") await assignDay(ctx(), { ...what, day: pick(DAYS), mode: op === "add" ? "add" : "replace" });
        else if (op === "week") await assignWeek(ctx(), { ...what, week });
        else if (op === "copy") await copyLastWeek(ctx(), { week, ...(next() < 0.5 ? { employee_id } : {}) });
        else if (op === "clear-cell") await clearSchedule(ctx(), { scope: "cell", week, employee_id, day: DAYS[WEEKS.indexOf(week) * 7 + Math.floor(next() * 7)]! });
        else if (op === "clear-employee") await clearSchedule(ctx(), { scope: "employee", week, employee_id });
        else if (op === "clear-week") await clearSchedule(ctx(), { scope: "week", week, confirm: "yes" });
        else {
          const rows = await t.su<{ id: string }[]>`select id from crew_assignments where tenant_id = ${owner.tenantId} order by id`;
          if (rows.length) await removeAssignment(ctx(), pick([...rows]).id);
        }
      } catch (err) {
        // A copy onto filled days is refused as a whole (CopyConflicts): nothing changed, which is checked too.
        if (op !== "copy") throw err;
      }
      await expectExact(`${i}: ${op}`);
    }
  });

  test("stays exact when many people are assigned at once in one week from concurrent transactions", async () => {
    const extra: string[] = [];
    for (let i = 0; i < 8; i++) extra.push(await createEmployee(ctx(), { name: `Concurrent ${i}`, trade: i % 2 ? "Finisher" : "Laborer", active: "on" }));
    await Promise.all(extra.flatMap((employee_id, i) => [
      assignWeek(ctx(), { employee_id, kind: i % 3 ? "project" : "pto", project_id: i % 3 ? fx.projects.p : "", week: "2026-W12" }),
      assignDay(ctx(), { employee_id: fx.employees.ann, kind: "project", project_id: i % 2 ? fx.projects.p : fx.projects.q, day: DAYS[14 + (i % 7)]!, mode: "add" }).catch(() => null),
    ]));
    await expectExact("concurrent assigns");
    await Promise.all(extra.map((employee_id) => clearSchedule(ctx(), { scope: "employee", week: "2026-W12", employee_id })));
    await expectExact("concurrent clears");
  });

  test("follows a person's change of trade, deactivation and deletion", async () => {
    const ann = fx.employees.ann;
    await assignWeek(ctx(), { employee_id: fx.employees.bea, kind: "pto", project_id: "", week: "2026-W13" });
    await assignWeek(ctx(), { employee_id: ann, kind: "project", project_id: fx.projects.p, week: "2026-W13" });
    await expectExact("before");
    await updateEmployee(ctx(), ann, { name: "Ann Finisher", trade: "Laborer", active: "on" });
    await expectExact("Ann becomes a laborer");
    await updateEmployee(ctx(), ann, { name: "Ann Finisher", trade: "laborer ", active: "on" });
    await expectExact("Ann's trade spelled differently");
    await setEmployeeActive(ctx(), fx.employees.bea, false);
    await expectExact("Bea inactive");
    await setEmployeeActive(ctx(), fx.employees.bea, true);
    await expectExact("Bea active again");
    await deleteEmployee(ctx(), fx.employees.bea);
    await expectExact("Bea deleted");
    await deleteEmployee(ctx(), ann);
    await expectExact("Ann deleted");
    expect((await t.su`select count(*)::int as n from crew_assignment_weeks where employee_id in (${ann}, ${fx.employees.bea})`)[0]!.n).toBe(0);
  });
});
