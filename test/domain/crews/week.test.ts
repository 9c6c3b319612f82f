import { describe, expect, test } from "bun:test";
import { groupByForeman, pageCrews, type Person } from "../../../src/domain/crews/schedule.ts";
import { distributionDue } from "../../../src/domain/crews/distribution.ts";
import { addWeeks, currentWeek, formatWeek, parseWeek, weekDays, weekOf, weeksInYear, weekStartDate, workingDays } from "../../../src/domain/crews/week.ts";

describe("schedule weeks", () => {
  test("with a Monday start the numbering is ISO 8601, across year boundaries", () => {
    expect(formatWeek(weekOf("2025-12-29", 1))).toBe("2026-W01");
    expect(formatWeek(weekOf("2021-01-03", 1))).toBe("2020-W53");
    expect(formatWeek(weekOf("2021-01-04", 1))).toBe("2021-W01");
    expect(formatWeek(weekOf("2024-12-30", 1))).toBe("2025-W01");
    expect(weekStartDate(parseWeek("2026-W01", 1)!, 1)).toBe("2025-12-29");
    expect(weekDays(parseWeek("2025-W10", 1)!, 1)).toEqual(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09"]);
    expect(weeksInYear(2020, 1)).toBe(53);
    expect(weeksInYear(2025, 1)).toBe(52);
  });

  test("with a Sunday or Saturday start, week 1 is the week holding 4 January", () => {
    // 4 January 2026 is a Sunday: with a Sunday start week 1 begins that day, and 2025 gets a 53rd week.
    expect(weekStartDate(parseWeek("2026-W01", 7)!, 7)).toBe("2026-01-04");
    expect(formatWeek(weekOf("2025-12-28", 7))).toBe("2025-W53");
    expect(formatWeek(weekOf("2026-01-03", 7))).toBe("2025-W53");
    expect(weeksInYear(2025, 7)).toBe(52 + 1);
    expect(weekStartDate(parseWeek("2025-W01", 7)!, 7)).toBe("2024-12-29");
    expect(weekDays(parseWeek("2025-W10", 7)!, 7)[0]).toBe("2025-03-02");
    expect(weekStartDate(parseWeek("2026-W01", 6)!, 6)).toBe("2026-01-03");
    expect(formatWeek(weekOf("2026-01-02", 6))).toBe("2025-W52");
  });

  test("every day of 1999–2031 round-trips through its week for every week start", () => {
    for (let ws = 1; ws <= 7; ws++) {
      let d = "1999-01-01";
      while (d < "2031-12-31") {
        const w = weekOf(d, ws);
        const parsed = parseWeek(formatWeek(w), ws);
        expect(parsed).toEqual(w);
        expect(weekDays(w, ws)).toContain(d);
        d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000 * 5).toISOString().slice(0, 10);
      }
    }
  });

  test("malformed weeks and weeks past the year's end are refused", () => {
    for (const bad of ["", "2025-10", "2025-W1", "2025-W00", "2025-W53", "25-W10", "2025-W10x", "x"]) expect(parseWeek(bad, 1)).toBeNull();
    expect(parseWeek("2020-W53", 1)).toEqual({ year: 2020, week: 53 });
  });

  test("adding weeks crosses years, and the working days are Monday to Friday whatever the start", () => {
    expect(formatWeek(addWeeks(parseWeek("2025-W52", 1)!, 1, 1))).toBe("2026-W01");
    expect(formatWeek(addWeeks(parseWeek("2021-W01", 1)!, -1, 1))).toBe("2020-W53");
    expect(workingDays(weekDays(parseWeek("2025-W10", 7)!, 7))).toEqual(["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]);
  });

  test("the current week is taken in the workspace's time zone", () => {
    const now = new Date("2025-03-09T23:30:00Z"); // Sunday in UTC, already Monday in Auckland
    expect(formatWeek(currentWeek(now, "UTC", 1))).toBe("2025-W10");
    expect(formatWeek(currentWeek(now, "Pacific/Auckland", 1))).toBe("2025-W11");
  });
});

describe("schedule grouping", () => {
  const p = (id: string, name: string, foremanId: string | null, trade = "Laborer"): Person => ({ id, name, trade, foremanId, email: null });

  test("people are grouped under their foreman, foreman first, loose people last", () => {
    const crews = groupByForeman([p("1", "Zed", "f2"), p("f2", "Bea", null, "Foreman"), p("3", "Amy", "f1"), p("f1", "Al", null), p("4", "Cy", null), p("5", "Abe", "f2")]);
    expect(crews.map((c) => [c.title, c.people.map((x) => x.name)])).toEqual([
      ["Al", ["Al", "Amy"]],
      ["Bea", ["Bea", "Abe", "Zed"]],
      ["No foreman", ["Cy"]],
    ]);
  });

  test("a foreman who works under another heads their own crew and is shown once", () => {
    const crews = groupByForeman([p("g", "General", null), p("f", "Fran", "g"), p("w", "Wes", "f")]);
    expect(crews.map((c) => c.people.map((x) => x.name))).toEqual([["Fran", "Wes"], ["General"]]);
  });

  test("pages hold whole crews, and a crew longer than a page is split", () => {
    const crews = [
      { foremanId: "a", title: "A", people: Array.from({ length: 4 }, (_, i) => p(`a${i}`, `A${i}`, "a")) },
      { foremanId: "b", title: "B", people: Array.from({ length: 3 }, (_, i) => p(`b${i}`, `B${i}`, "b")) },
      { foremanId: "c", title: "C", people: Array.from({ length: 12 }, (_, i) => p(`c${i}`, `C${i}`, "c")) },
    ];
    const pages = pageCrews(crews, 5);
    expect(pages.map((pg) => pg.map((c) => `${c.title}${c.people.length}`))).toEqual([["A4"], ["B3"], ["C5"], ["C5"], ["C2"]]);
    expect(pages.flat().reduce((n, c) => n + c.people.length, 0)).toBe(19);
  });
});

describe("distribution moment", () => {
  const s = { weekStart: 1, timeZone: "America/Chicago", distributionWeekday: 5, distributionTime: "14:00" };
  test("the next week goes out from the distribution day and time in the workspace's time zone", () => {
    // Friday 7 March 2025, 13:59 in Chicago (19:59 UTC): not yet; 14:00 (20:00 UTC): due for 2025-W11.
    expect(distributionDue(new Date("2025-03-07T19:59:00Z"), s)).toEqual({ due: false, week: "2025-W11" });
    expect(distributionDue(new Date("2025-03-07T20:00:00Z"), s)).toEqual({ due: true, week: "2025-W11" });
    expect(distributionDue(new Date("2025-03-08T10:00:00Z"), s)).toEqual({ due: true, week: "2025-W11" });
    // Monday of the next week: that week has started, the one due now is the week after, not yet.
    expect(distributionDue(new Date("2025-03-10T15:00:00Z"), s)).toEqual({ due: false, week: "2025-W12" });
    // The same instant is already Saturday in Tokyo.
    expect(distributionDue(new Date("2025-03-07T19:59:00Z"), { ...s, timeZone: "Asia/Tokyo" }).due).toBe(true);
  });
});
