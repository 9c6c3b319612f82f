import { describe, expect, test } from "bun:test";
import { buildProjection, onlyTrade, requiredByWeek, weekMasks, weekStarts, type ScheduleFigures } from "../../../src/domain/crews/projection-math.ts";

const weeks = weekStarts("2026-03-02", 2);
const span = (trade: string, headcount: number, starts_on: string, ends_on: string) => ({ trade, headcount, starts_on, ends_on });

describe("projection maths", () => {
  test("required is the busiest day of the week: back-to-back requirements do not add up, overlapping days do", () => {
    const r = requiredByWeek(weeks, [span("Finisher", 2, "2026-03-02", "2026-03-03"), span("Finisher", 2, "2026-03-04", "2026-03-06")]);
    expect(r.get("finisher")).toEqual([2, 0]);
    const overlap = requiredByWeek(weeks, [span("Finisher", 2, "2026-03-02", "2026-03-04"), span("finisher ", 3, "2026-03-04", "2026-03-10")]);
    // Wednesday 4 March needs 2 + 3; the next week only the second one (Mon 9, Tue 10).
    expect(overlap.get("finisher")).toEqual([5, 3]);
  });

  test("a requirement covering part of a week counts in full on the days it covers, also a weekend day or one reaching past the range", () => {
    const r = requiredByWeek(weeks, [span("Laborer", 4, "2026-03-14", "2026-03-14"), span("Operator", 1, "2025-01-01", "2027-01-01")]);
    expect(r.get("laborer")).toEqual([0, 4]);
    expect(r.get("operator")).toEqual([1, 1]);
    expect(requiredByWeek(weeks, [span("Laborer", 4, "2026-03-16", "2026-03-20")]).get("laborer")).toBeUndefined();
  });

  test("gap = available − required, negative is short; available never goes below zero; totals add the trades", () => {
    const s: ScheduleFigures = {
      scheduled: new Map([["finisher", new Map([["2026-03-02", 2]])]]),
      away: new Map([["finisher", new Map([["2026-03-02", 1]])], ["laborer", new Map([["2026-03-09", 9]])]]),
      active: new Map([["finisher", 3], ["laborer", 2]]),
      names: new Map([["finisher", "Finisher"], ["laborer", "Laborer"]]),
    };
    const p = buildProjection(weeks, [span("finisher", 3, "2026-03-03", "2026-03-03"), span("Roofer", 1, "2026-03-09", "2026-03-09")], s);
    expect(p.trades.map((t) => t.name)).toEqual(["Finisher", "Laborer", "Roofer"]);
    expect(p.trades[0]!.weeks).toEqual([{ required: 3, scheduled: 2, available: 2, gap: -1 }, { required: 0, scheduled: 0, available: 3, gap: 3 }]);
    expect(p.trades[1]!.weeks[1]).toEqual({ required: 0, scheduled: 0, available: 0, gap: 0 });
    expect(p.trades[2]!.weeks[1]).toEqual({ required: 1, scheduled: 0, available: 0, gap: -1 });
    expect(p.totals).toEqual([{ required: 3, scheduled: 2, available: 4, gap: 1 }, { required: 1, scheduled: 0, available: 3, gap: 2 }]);
    expect(onlyTrade(p, "roofer").totals).toEqual(p.trades[2]!.weeks);
    expect(onlyTrade(p, "nobody").trades).toEqual([]);
  });

  test("a week starting on another day takes the end of one ISO week and the start of the next", () => {
    expect(weekMasks(1)).toEqual({ offset: 0, own: 0b1111111, next: 0 });
    // Sunday start: Sunday from the Monday's week, Monday–Saturday from the next.
    expect(weekMasks(7)).toEqual({ offset: 6, own: 0b1000000, next: 0b0111111 });
    expect(weekMasks(3)).toEqual({ offset: 2, own: 0b1111100, next: 0b0000011 });
  });
});
