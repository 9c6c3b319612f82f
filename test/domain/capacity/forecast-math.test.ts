import { describe, expect, test } from "bun:test";
import {
  backtest, forecast, forecastHoltWinters, forecastProfile, wape, type ForecastMethod, type ForecastOptions, type HistoryPoint,
} from "../../../src/domain/capacity/forecast-math.ts";

const DAY_MS = 86_400_000;
const iso = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const num = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY_MS;
/** 0 = Monday … 6 = Sunday. */
const weekdayOf = (d: string) => (new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7;

// 2025-01-06 is a Monday.
const FIRST = num("2025-01-06");

/**
 * A contact centre open 08:00–18:00 Monday to Saturday, closed Sundays; `scale(dayIndex)` multiplies a fixed
 * weekday × interval shape. Sunday and night intervals have no rows at all, as an import of real history would.
 */
function series(days: number, interval: number, scale: (dayIndex: number) => number, shape = defaultShape): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (let i = 0; i < days; i++) {
    const w = i % 7;
    if (w === 6) continue;
    for (let minute = 8 * 60; minute < 18 * 60; minute += interval) {
      out.push({ day: iso(FIRST + i), minute, offered: shape(w, minute) * scale(i), ahtSeconds: 200 + minute / 10 });
    }
  }
  return out;
}
function defaultShape(w: number, minute: number): number {
  return (10 + w * 3) * (1 + Math.sin(((minute - 480) / 600) * Math.PI));
}

const opts = (startDayIndex: number, horizonDays: number, interval = 30): ForecastOptions => ({
  startDay: iso(FIRST + startDayIndex), horizonDays, intervalMinutes: interval, defaultAhtSeconds: 300,
});

function dailyTotals(points: { day: string; contacts: number }[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const p of points) totals.set(p.day, (totals.get(p.day) ?? 0) + p.contacts);
  return totals;
}

const METHODS: ForecastMethod[] = ["profile", "holt-winters"];

describe("forecasts", () => {
  for (const method of METHODS) {
    test(`${method}: a flat weekly pattern is reproduced interval by interval, with its AHT`, () => {
      const history = series(56, 30, () => 1);
      const points = forecast(method, history, opts(56, 14));
      expect(points.length).toBe(12 * 20); // 12 open days × 20 half-hours
      for (const p of points) {
        const w = weekdayOf(p.day);
        expect(Math.abs(p.contacts - defaultShape(w, p.minute))).toBeLessThan(1e-9 * defaultShape(w, p.minute) + 1e-9);
        expect(p.ahtSeconds).toBeCloseTo(200 + p.minute / 10, 9);
      }
    });

    test(`${method}: closed intervals and closed days produce no points`, () => {
      const points = forecast(method, series(56, 15, () => 1), opts(56, 28, 15));
      expect(points.some((p) => weekdayOf(p.day) === 6)).toBe(false);
      expect(points.every((p) => p.minute >= 480 && p.minute < 1080 && p.minute % 15 === 0)).toBe(true);
      expect(points.every((p) => p.contacts >= 0)).toBe(true);
      // An interval that only ever had zero volume is closed too.
      const zeroAt8 = series(56, 30, () => 1).map((p) => (p.minute === 480 ? { ...p, offered: 0 } : p));
      expect(forecast(method, zeroAt8, opts(56, 7)).some((p) => p.minute === 480)).toBe(false);
    });

    test(`${method}: a linear trend is extended`, () => {
      // Same volume every open day, growing by 2 % of the first day's per day.
      const flatWeek = (_w: number, minute: number) => 1 + Math.sin(((minute - 480) / 600) * Math.PI);
      const growth = (i: number) => 100 * (1 + 0.02 * i);
      const history = series(56, 30, growth, flatWeek);
      const totals = dailyTotals(forecast(method, history, opts(56, 28)));
      const perDay = (i: number) => { let s = 0; for (let m = 480; m < 1080; m += 30) s += flatWeek(0, m) * growth(i); return s; };
      expect(totals.size).toBe(24);
      for (const [day, total] of totals) {
        const i = num(day) - FIRST;
        expect(Math.abs(total - perDay(i)) / perDay(i)).toBeLessThan(1e-9);
      }
      // And the forecast keeps growing: the last week well above the first.
      const sorted = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
      expect(sorted.at(-1)!).toBeGreaterThan(sorted[0]! * 1.2); // day 83 against day 56: 266 / 212
    });
  }

  test("profile: a linear trend under an uneven weekday pattern is extended exactly (the week's centre is weighted)", () => {
    const growth = (i: number) => 1 + 0.01 * i;
    const history = series(56, 30, growth);
    const points = forecastProfile(history, opts(56, 21));
    for (const p of points) {
      const expected = defaultShape(weekdayOf(p.day), p.minute) * growth(num(p.day) - FIRST);
      expect(Math.abs(p.contacts - expected)).toBeLessThan(1e-9 * expected);
    }
  });

  test("holt-winters extends a linear trend exactly on a seven-day week (additive fit)", () => {
    const history: HistoryPoint[] = [];
    const line = (i: number) => 500 + 5 * i + [0, 40, 30, 20, 10, -30, -70][i % 7]!;
    for (let i = 0; i < 56; i++) history.push({ day: iso(FIRST + i), minute: 600, offered: line(i), ahtSeconds: null });
    const totals = dailyTotals(forecastHoltWinters(history, opts(56, 70)));
    for (const [day, total] of totals) expect(total).toBeCloseTo(line(num(day) - FIRST), 6);
    // With no AHT in the history, the default is used.
    expect(forecastHoltWinters(history, opts(56, 1))[0]!.ahtSeconds).toBe(300);
  });

  test("history on or after the start day is never used", () => {
    const history = series(56, 30, () => 1);
    const future = series(70, 30, (i) => (i >= 56 ? 1000 : 1));
    for (const method of METHODS) expect(forecast(method, future, opts(56, 14))).toEqual(forecast(method, history, opts(56, 14)));
  });

  test("only the last `weeks` weeks shape the profile", () => {
    const history = series(56, 30, (i) => (i < 28 ? 5 : 1));
    const points = forecastProfile(history, { ...opts(56, 7), weeks: 4 });
    for (const p of points) expect(p.contacts).toBeCloseTo(defaultShape(weekdayOf(p.day), p.minute), 9);
  });

  test("no history gives no forecast; bad options are a RangeError", () => {
    expect(forecastProfile([], opts(0, 7))).toEqual([]);
    expect(forecastHoltWinters([], opts(0, 7))).toEqual([]);
    const h = series(14, 30, () => 1);
    for (const bad of [
      { horizonDays: -1 }, { horizonDays: 400 }, { intervalMinutes: 7 }, { startDay: "2025-02-30" }, { startDay: "tomorrow" },
      { weeks: 0 }, { defaultAhtSeconds: 0 },
    ]) {
      expect(() => forecastProfile(h, { ...opts(14, 7), ...bad })).toThrow(RangeError);
    }
    expect(() => forecast("magic" as ForecastMethod, h, opts(14, 7))).toThrow(RangeError);
    expect(() => forecastProfile([{ day: "2025-01-06", minute: 1440, offered: 1, ahtSeconds: null }], opts(14, 7))).toThrow(RangeError);
    expect(() => forecastProfile([{ day: "2025-01-06", minute: 0, offered: -1, ahtSeconds: null }], opts(14, 7))).toThrow(RangeError);
  });

  test("a horizon of 52 weeks of 15-minute intervals from a year of history runs fast", () => {
    const history = series(364, 15, (i) => 1 + i / 364);
    for (const method of METHODS) {
      const t0 = performance.now();
      const points = forecast(method, history, { ...opts(364, 364, 15), weeks: 52 });
      const ms = performance.now() - t0;
      expect(points.length).toBe(312 * 40);
      expect(ms).toBeLessThan(1000);
    }
  });
});

describe("WAPE", () => {
  test("is the sum of absolute errors over the sum of actuals", () => {
    expect(wape([10, 20, 0], [12, 15, 3])).toBeCloseTo((2 + 5 + 3) / 30, 15);
    expect(wape([10, 20], [10, 20])).toBe(0);
    expect(wape([-10, 10], [0, 0])).toBe(1);
  });

  test("is 0 when both are all zero, Infinity when only the forecast has volume, and refuses mismatched lengths", () => {
    expect(wape([], [])).toBe(0);
    expect(wape([0, 0], [0, 0])).toBe(0);
    expect(wape([0, 0], [1, 0])).toBe(Infinity);
    expect(() => wape([1], [1, 2])).toThrow(RangeError);
    expect(() => wape([NaN], [1])).toThrow(RangeError);
  });
});

describe("backtest", () => {
  test("a stable weekly pattern is forecast without error by both methods", () => {
    const r = backtest(series(70, 30, () => 1), { holdoutDays: 14, intervalMinutes: 30, defaultAhtSeconds: 300 });
    expect(r.profile).toBeLessThan(1e-9);
    expect(r["holt-winters"]).toBeLessThan(1e-9);
  });

  test("it picks Holt-Winters on a seasonal series whose level has shifted, and its WAPE is the holdout's", () => {
    // Eight flat weeks, then volume doubles for the last three weeks; the last week is held out.
    const history = series(77, 30, (i) => (i >= 56 ? 2 : 1));
    const r = backtest(history, { holdoutDays: 7, intervalMinutes: 30, defaultAhtSeconds: 300 });
    expect(r["holt-winters"]).toBeLessThan(r.profile);
    expect(r["holt-winters"]).toBeLessThan(0.05);
    // Recomputed by hand from the same split.
    const train = history.filter((p) => num(p.day) < FIRST + 70);
    const actual = [...dailyTotals(history.filter((p) => num(p.day) >= FIRST + 70).map((p) => ({ day: p.day, contacts: p.offered }))).entries()];
    const predicted = dailyTotals(forecastProfile(train, opts(70, 7)));
    const byDay = actual.map(([day, a]) => [a, predicted.get(day) ?? 0] as const);
    expect(r.profile).toBeCloseTo(wape(byDay.map(([a]) => a), byDay.map(([, f]) => f)), 12);
  });

  test("it picks the profile on a stationary seasonal series with large day-to-day noise", () => {
    // Averaging eight weeks beats a level that follows the last few noisy days.
    const history = series(84, 30, (i) => 1 + 0.5 * Math.sin(i * i));
    const r = backtest(history, { holdoutDays: 14, intervalMinutes: 30, defaultAhtSeconds: 300 });
    expect(r.profile).toBeLessThan(r["holt-winters"]);
    expect(r.profile).toBeGreaterThan(0.1); // the noise is real: neither method can be exact
  });

  test("holdout and options are checked", () => {
    const h = series(28, 30, () => 1);
    expect(() => backtest(h, { holdoutDays: 0, intervalMinutes: 30, defaultAhtSeconds: 300 })).toThrow(RangeError);
    expect(() => backtest(h, { holdoutDays: 7, intervalMinutes: 0, defaultAhtSeconds: 300 })).toThrow(RangeError);
    expect(backtest([], { holdoutDays: 7, intervalMinutes: 30, defaultAhtSeconds: 300 })).toEqual({ profile: 0, "holt-winters": 0 });
  });
});
