import { describe, expect, test } from "bun:test";
import { applyScenario, availableByWeek, classProductivity, isoWeekday, planTable, planTotals, planWeeks, requiredByWeek, weeklyRetention } from "../../../src/domain/capacity/plans-math.ts";

const W1 = "2025-03-03"; // a Monday
const W2 = "2025-03-10";

describe("plan maths, by hand", () => {
  test("calendar helpers: ISO weekdays and the plan's Mondays", () => {
    expect(isoWeekday("2025-03-03")).toBe(1);
    expect(isoWeekday("2025-03-09")).toBe(7);
    expect(planWeeks(W1, 3)).toEqual([W1, W2, "2025-03-17"]);
  });

  test("weekly required FTE = agent-hours ÷ (1 − shrinkage) ÷ weekly hours", () => {
    // Week 1: 7 days of 75 agent-hours = 525 h; ÷ 0.7 = 750 h; ÷ 37.5 = 20 FTE. Week 2: one day of 26.25 h = 1 FTE.
    const days = planWeeks(W1, 1).flatMap(() => [3, 4, 5, 6, 7, 8, 9].map((d) => ({ day: `2025-03-0${d}`, contacts: 100, agentHours: 75, peakAgents: 9 })));
    days.push({ day: "2025-03-12", contacts: 50, agentHours: 26.25, peakAgents: 4 });
    const weeks = requiredByWeek([W1, W2], days, 0.3, 37.5);
    expect(weeks[0]!.agentHours).toBe(525);
    expect(weeks[0]!.contacts).toBe(700);
    expect(weeks[0]!.requiredFte).toBeCloseTo(20, 12);
    expect(weeks[1]!.requiredFte).toBeCloseTo(1, 12);
  });

  test("leave and contract dates lower available FTE by the days they cover ÷ 7", () => {
    const agents = [
      { fte: 1, startDay: "2024-01-01", endDay: null, leave: [{ from: "2025-03-05", to: "2025-03-06" }] }, // 2 days off in week 1: 5/7
      { fte: 0.5, startDay: "2025-03-12", endDay: null, leave: [] }, // starts Wednesday of week 2: 0.5 × 5/7
      { fte: 1, startDay: "2024-01-01", endDay: "2025-03-04", leave: [] }, // leaves Tuesday of week 1: 2/7, then 0
    ];
    const s = availableByWeek([W1, W2], agents, { monthlyAttrition: 0, classes: [] });
    expect(s[0]!.available).toBeCloseTo(5 / 7 + 2 / 7, 12);
    expect(s[1]!.available).toBeCloseTo(1 + 0.5 * (5 / 7), 12);
  });

  test("attrition keeps (1 − a)^(12/52) a week; a hiring class trains, ramps by k/(ramp + 1), then counts whole", () => {
    expect(weeklyRetention(0.1)).toBeCloseTo(Math.pow(0.9, 12 / 52), 15);
    const c = { startDay: "2025-03-12", size: 6, trainingWeeks: 1, rampWeeks: 2 };
    expect([0, 1, 2, 3, 4].map((k) => classProductivity(c, k))).toEqual([0, 2, 4, 6, 6]);
    const weeks = planWeeks(W1, 6);
    const staff = [{ fte: 1, startDay: "2020-01-01", endDay: null, leave: [] }];
    const s = availableByWeek(weeks, Array(10).fill(staff[0]), { monthlyAttrition: 0.1, classes: [c] });
    const r = Math.pow(0.9, 12 / 52);
    // Existing staff: 10 × r^w. The class starts in week 2 (index 1): trains, then 2, 4, 6, 6, each × r^k since its start.
    const hires = [0, 0, 2 * r, 4 * r * r, 6 * r ** 3, 6 * r ** 4];
    s.forEach((w, i) => expect(w.available).toBeCloseTo(10 * r ** i + hires[i]!, 12));
    const noAttrition = availableByWeek(weeks, [], { monthlyAttrition: 0, classes: [c] });
    expect(noAttrition.map((w) => w.available)).toEqual([0, 0, 2, 4, 6, 6]);
  });

  test("gap = available − required, and the cost of a shortfall = gap FTE × weekly hours × hourly cost", () => {
    const required = [
      { week: W1, contacts: 10, agentHours: 0, requiredFte: 12 },
      { week: W2, contacts: 10, agentHours: 0, requiredFte: 8 },
    ];
    const supply = [
      { week: W1, staff: 10, hires: 0, available: 10 },
      { week: W2, staff: 10, hires: 0, available: 10 },
    ];
    const t = planTable(required, supply, 37.5, 20);
    expect(t.map((w) => [w.gap, w.gapCost])).toEqual([
      [-2, 2 * 37.5 * 20],
      [2, 0],
    ]);
    expect(planTotals(t)).toEqual({ contacts: 20, maxRequired: 12, shortWeeks: 1, gapCost: 1500 });
  });

  test("a scenario scales volume and changes AHT by a percent or by seconds", () => {
    expect(applyScenario(100, 300, { volumeChange: 0.1, ahtChange: null, ahtChangeSeconds: null })).toEqual({ contacts: 110.00000000000001, ahtSeconds: 300 });
    expect(applyScenario(100, 300, { volumeChange: 0, ahtChange: -0.1, ahtChangeSeconds: null }).ahtSeconds).toBeCloseTo(270, 12);
    expect(applyScenario(100, 300, { volumeChange: 0, ahtChange: null, ahtChangeSeconds: 30 }).ahtSeconds).toBe(330);
  });
});
