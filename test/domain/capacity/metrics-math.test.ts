import { describe, expect, test } from "bun:test";
import { requiredAgents } from "../../../src/domain/capacity/erlang.ts";
import { achievedMetrics, isoWeekLabel, isoWeekStart, metricsAtStaffed, type MetricsProgram, type StaffedInterval } from "../../../src/domain/capacity/metrics-math.ts";

// Hand-checked figures. Erlang B by the recursion B(n) = A·B(n−1) / (n + A·B(n−1)), C = N·B / (N − A(1 − B)),
// ASA = C·AHT / (N − A); with a 0-second answer target SL = 1 − C exactly, so every case below is a fraction:
//   A = 1, N = 2: B = 1/5, C = 1/3,  SL = 2/3,   ASA = 300/3 = 100 s,      occupancy 1/2
//   A = 2, N = 3: B = 4/19, C = 4/9, SL = 5/9,   ASA = 300·4/9 = 133.3 s,  occupancy 2/3
//   A = 1, N = 3: B = 1/16, C = 1/11, SL = 10/11, ASA = 300/11/2 = 13.6 s, occupancy 1/3
// With 15-minute intervals (900 s) and AHT 300 s, A Erlangs are 3·A contacts.

const program = (over: Partial<MetricsProgram> = {}): MetricsProgram => ({
  intervalMinutes: 15, slTarget: 0.5, slSeconds: 0, asaGoalSeconds: null, maxOccupancy: null, patienceSeconds: null, maxAbandonRate: null, defaultAhtSeconds: 300, ...over,
});
const row = (minute: number, offered: number, staffed: number | null, ahtSeconds: number | null = 300, day = "2025-03-03"): StaffedInterval => ({ day, minute, offered, ahtSeconds, staffed });

describe("achieved metrics per interval", () => {
  test("an interval staffed with exactly the required agents meets the goal; one agent fewer misses it (hand-checked)", () => {
    // 3 contacts of 300 s (A = 1) with 90 % answered at once: 3 agents give SL 10/11 = 90.9 %, 2 give 2/3.
    const p = program({ slTarget: 0.9 });
    expect(requiredAgents({ contacts: 3, intervalSeconds: 900, ahtSeconds: 300, targetAnswerSeconds: 0 }, { serviceLevel: 0.9 }).agents).toBe(3);
    const [met, short] = achievedMetrics([row(540, 3, 3), row(555, 3, 2)], p).intervals;
    expect(met!.serviceLevel!).toBeCloseTo(10 / 11, 12);
    expect(met!.misses).toEqual([]);
    expect(short!.serviceLevel!).toBeCloseTo(2 / 3, 12);
    expect(short!.misses).toEqual(["serviceLevel"]);
  });

  test("at a realistic 80/20 with an ASA goal, the engine's required agents meet every goal and one fewer does not", () => {
    const p = program({ slTarget: 0.8, slSeconds: 20, asaGoalSeconds: 30, maxOccupancy: 0.9 });
    const required = requiredAgents({ contacts: 120, intervalSeconds: 900, ahtSeconds: 300, targetAnswerSeconds: 20 }, { serviceLevel: 0.8, maxAsaSeconds: 30, maxOccupancy: 0.9 });
    const [met, short] = achievedMetrics([row(540, 120, required.agents), row(555, 120, required.agents - 1)], p).intervals;
    expect(met!.serviceLevel!).toBeCloseTo(required.serviceLevel, 12);
    expect(met!.misses).toEqual([]);
    expect(short!.misses.length).toBeGreaterThan(0);
  });

  test("hand-checked Erlang C figures: 3 contacts of 300 s on 2 agents give 2/3 answered at once, ASA 100 s, occupancy 1/2", () => {
    const [i] = achievedMetrics([row(540, 3, 2)], program()).intervals;
    expect(i!.trafficErlangs).toBe(1);
    expect(i!.serviceLevel!).toBeCloseTo(2 / 3, 12);
    expect(i!.asaSeconds!).toBeCloseTo(100, 9);
    expect(i!.occupancy!).toBeCloseTo(0.5, 12);
  });

  test("a fractional staffed count is interpolated between its floor and ceiling; occupancy is busy over the 2.5 staffed", () => {
    const [i] = achievedMetrics([row(540, 3, 2.5)], program()).intervals;
    expect(i!.serviceLevel!).toBeCloseTo((2 / 3 + 10 / 11) / 2, 12);
    expect(i!.asaSeconds!).toBeCloseTo((100 + 300 / 11 / 2) / 2, 9);
    expect(i!.occupancy!).toBeCloseTo(1 / 2.5, 12);
    // A whole count is the engine's own figure.
    expect(metricsAtStaffed({ contacts: 3, intervalSeconds: 900, ahtSeconds: 300, targetAnswerSeconds: 0 }, 3).serviceLevel).toBeCloseTo(10 / 11, 12);
  });

  test("no more staffed agents than traffic under Erlang C misses: service level 0 and ASA ∞, and the day's ASA is ∞ too", () => {
    const r = achievedMetrics([row(540, 3, 1), row(555, 3, 2)], program({ asaGoalSeconds: 60 }));
    expect(r.intervals[0]).toMatchObject({ serviceLevel: 0, asaSeconds: Infinity, occupancy: 1, misses: ["serviceLevel", "asa"] });
    expect(r.days[0]!.serviceLevel!).toBeCloseTo(1 / 3, 12); // (3·0 + 3·2/3) / 6
    expect(r.days[0]!.asaSeconds).toBe(Infinity);
    expect(r.days[0]!.misses).toEqual(["serviceLevel", "asa"]);
  });

  test("the interval's AHT is used, or the program's default when it is missing or 0", () => {
    const r = achievedMetrics([row(540, 3, 2, null), row(555, 3, 2, 0), row(570, 6, 3, 150)], program());
    expect(r.intervals.map((i) => [i.ahtSeconds, i.trafficErlangs])).toEqual([[300, 1], [300, 1], [150, 1]]);
  });

  test("occupancy and abandonment goals: Erlang A reports abandonment, and a cap on it or on occupancy is a miss when passed", () => {
    const p = program({ slTarget: 0.5, slSeconds: 20, patienceSeconds: 60, maxAbandonRate: 0.01, maxOccupancy: 0.6 });
    const [i] = achievedMetrics([row(540, 30, 11)], p).intervals; // 10 Erlangs on 11 agents
    expect(i!.abandonRate!).toBeGreaterThan(0.01);
    expect(i!.occupancy!).toBeGreaterThan(0.6);
    expect(i!.misses).toEqual(expect.arrayContaining(["occupancy", "abandon"]));
    expect(Number.isFinite(i!.asaSeconds!)).toBe(true);
  });
});

describe("achieved metrics per day and week", () => {
  test("a day weighs service level and ASA by contacts and takes occupancy as busy over staffed time (hand-computed)", () => {
    // 3 contacts at SL 2/3, ASA 100 s on 2 agents (1 busy); 6 contacts at SL 5/9, ASA 400/3 s on 3 agents (2 busy).
    const r = achievedMetrics([row(540, 3, 2), row(555, 6, 3)], program({ slTarget: 0.6, asaGoalSeconds: 120, maxOccupancy: 0.65 }));
    const day = r.days[0]!;
    expect(day.offered).toBe(9);
    expect(day.serviceLevel!).toBeCloseTo((3 * (2 / 3) + 6 * (5 / 9)) / 9, 12); // 16/27 = 59.26 %
    expect(day.serviceLevel!).toBeCloseTo(16 / 27, 12);
    expect(day.asaSeconds!).toBeCloseTo((3 * 100 + 6 * (400 / 3)) / 9, 9); // 1100/9 = 122.2 s
    expect(day.occupancy!).toBeCloseTo(3 / 5, 12); // (1 + 2) busy over (2 + 3) staffed, not the mean of 1/2 and 2/3
    expect(day.staffedHours).toBeCloseTo(1.25, 12);
    expect(day.busyHours).toBeCloseTo(0.75, 12);
    // 59.3 % < 60 % and 122.2 s > 120 s miss; 60 % occupancy is under the 65 % cap even though one interval (66.7 %) is over it.
    expect(day.misses).toEqual(["serviceLevel", "asa"]);
    expect(r.intervals.map((i) => i.misses)).toEqual([[], ["serviceLevel", "asa", "occupancy"]]);
  });

  test("intervals without staffed data are left out of every figure and counted as no staffing data", () => {
    const with_ = achievedMetrics([row(540, 3, 2), row(555, 6, 3)], program()).days[0]!;
    const r = achievedMetrics([row(525, 1000, null), row(540, 3, 2), row(555, 6, 3), row(570, 500, null)], program());
    const day = r.days[0]!;
    expect({ ...day, noData: 0, intervals: 2 }).toEqual(with_);
    expect(day.noData).toBe(2);
    expect(day.intervals).toBe(2);
    expect(r.total.noData).toBe(2);
    expect(r.intervals[0]).toMatchObject({ staffed: null, serviceLevel: null, asaSeconds: null, occupancy: null, misses: [] });
    // A day with no staffing data at all has no figures and misses nothing.
    const empty = achievedMetrics([row(540, 10, null)], program()).days[0]!;
    expect(empty).toMatchObject({ serviceLevel: null, asaSeconds: null, occupancy: null, misses: [], noData: 1, intervals: 0, offered: 0 });
  });

  test("an interval with staff and no contacts adds idle time to occupancy but nothing to service level", () => {
    const day = achievedMetrics([row(540, 3, 2), row(555, 0, 2)], program()).days[0]!;
    expect(day.serviceLevel!).toBeCloseTo(2 / 3, 12);
    expect(day.occupancy!).toBeCloseTo(1 / 4, 12);
  });

  test("ISO weeks run Monday to Sunday and weigh their days by contacts", () => {
    const rows = [row(540, 3, 2, 300, "2025-03-02"), row(540, 6, 3, 300, "2025-03-03"), row(540, 3, 3, 300, "2025-03-09")];
    const r = achievedMetrics(rows, program());
    expect(r.days.map((d) => d.start)).toEqual(["2025-03-02", "2025-03-03", "2025-03-09"]);
    expect(r.weeks.map((w) => [w.start, w.offered])).toEqual([["2025-02-24", 3], ["2025-03-03", 9]]);
    expect(r.weeks[1]!.serviceLevel!).toBeCloseTo((6 * (5 / 9) + 3 * (10 / 11)) / 9, 12);
    expect(r.total.offered).toBe(12);
    expect([isoWeekStart("2025-03-09"), isoWeekLabel("2025-03-03"), isoWeekLabel("2024-12-30"), isoWeekLabel("2021-01-03"), isoWeekLabel("2026-01-01")]).toEqual([
      "2025-03-03", "2025-W10", "2025-W01", "2020-W53", "2026-W01",
    ]);
  });
});
