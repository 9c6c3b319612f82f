import { describe, expect, test } from "bun:test";
import { DEFAULT_RULES, evaporationRate, ratePour, rateHour, rulesWithDefaults } from "../../../src/domain/crews/weather-rules.ts";
import { zonedInstant } from "../../../src/domain/crews/pour-times.ts";
import type { HourlyRow } from "../../../src/domain/crews/weather.ts";

const row = (over: Partial<HourlyRow> = {}): HourlyRow => ({ at: "2031-06-10T12:00:00.000Z", tempF: 65, precipProbability: 10, windMph: 5, humidity: 60, ...over });

describe("the evaporation rate (Uno's formula for the ACI 305 nomograph)", () => {
  test("70 °F air and concrete, 50 % humidity, 10 mph wind: about 0.1 lb/ft²/h, as the nomograph reads", () => {
    // By hand: Tc = Ta = 21.11 °C; 39.11^2.5 = 9566; E = 5 × 9566 × 0.5 × (16.09 + 4) × 1e-6 = 0.4806 kg/m²/h.
    expect(evaporationRate(70, 70, 50, 10)).toBeCloseTo(0.4806 * 0.204816, 3);
    expect(evaporationRate(70, 70, 50, 10)).toBeCloseTo(0.098, 2);
  });

  test("hot, dry and windy: 90 °F, 20 % humidity, 20 mph reaches the 0.2 lb/ft²/h line", () => {
    // Tc = Ta = 32.22 °C; 50.22^2.5 = 17873; E = 5 × 17873 × 0.8 × (32.19 + 4) × 1e-6 = 2.587 kg/m²/h.
    expect(evaporationRate(90, 90, 20, 20)).toBeCloseTo(2.587 * 0.204816, 2);
    expect(evaporationRate(90, 90, 20, 20)).toBeGreaterThan(0.2);
  });

  test("warmer concrete than air evaporates faster; saturated air over equal temperatures does not evaporate", () => {
    expect(evaporationRate(60, 80, 50, 10)).toBeGreaterThan(evaporationRate(60, 60, 50, 10));
    expect(evaporationRate(60, 60, 100, 10)).toBe(0);
    // Cold concrete under warm humid air condenses: never a negative rate.
    expect(evaporationRate(80, 50, 90, 10)).toBe(0);
  });
});

describe("the go/no-go flags", () => {
  test("the defaults are ACI's: 40 °F and below, above 90 °F, 50 % rain, above 25 mph, 0.2 lb/ft²/h, any alert", () => {
    expect(DEFAULT_RULES).toEqual({ minTempF: 40, maxTempF: 90, maxPrecipPercent: 50, maxWindMph: 25, maxEvaporation: 0.2, alertsBlock: true });
    expect(rulesWithDefaults(null)).toEqual(DEFAULT_RULES);
    expect(rulesWithDefaults({ minTempF: 35 }).minTempF).toBe(35);
    expect(rulesWithDefaults({ minTempF: 35 }).maxTempF).toBe(90);
  });

  test("each threshold at its edge: 40 °F is cold, 90 °F is not hot, 50 % is rain, 25 mph is not wind", () => {
    const r = DEFAULT_RULES;
    expect(rateHour(row({ tempF: 40 }), r).flags).toEqual(["cold"]);
    expect(rateHour(row({ tempF: 40.1 }), r).flags).toEqual([]);
    expect(rateHour(row({ tempF: 90, humidity: 90 }), r).flags).toEqual([]);
    expect(rateHour(row({ tempF: 90.5, humidity: 90 }), r).flags).toEqual(["hot"]);
    expect(rateHour(row({ precipProbability: 50 }), r).flags).toEqual(["rain"]);
    expect(rateHour(row({ precipProbability: 49 }), r).flags).toEqual([]);
    expect(rateHour(row({ windMph: 25, humidity: 95 }), r).flags).toEqual([]);
    expect(rateHour(row({ windMph: 26, humidity: 95 }), r).flags).toEqual(["wind"]);
    expect(rateHour(row({ tempF: 88, humidity: 15, windMph: 20 }), r).flags).toEqual(["evaporation"]);
  });

  test("evaporation is only judged when temperature, humidity and wind are all known", () => {
    const h = rateHour(row({ tempF: 88, humidity: null, windMph: 20 }), DEFAULT_RULES);
    expect(h.evaporation).toBeNull();
    expect(h.flags).toEqual([]);
  });

  test("a logged concrete temperature is used instead of the air temperature", () => {
    const hour = row({ tempF: 60, humidity: 50, windMph: 15 });
    expect(rateHour(hour, DEFAULT_RULES).flags).toEqual([]);
    expect(rateHour(hour, DEFAULT_RULES, 95).flags).toEqual(["evaporation"]);
  });

  test("a pour is rated on the hours within 6 hours of its start, and on alerts in force then", () => {
    const start = new Date("2031-06-10T14:00:00Z");
    const rows = [
      row({ at: "2031-06-10T07:00:00.000Z", tempF: 30 }), // 7 h before: outside
      row({ at: "2031-06-10T08:00:00.000Z", precipProbability: 70 }), // 6 h before: inside
      row({ at: "2031-06-10T14:00:00.000Z" }),
      row({ at: "2031-06-10T21:00:00.000Z", windMph: 40 }), // 7 h after: outside
    ];
    const w = ratePour(rows, [{ event: "Flood Watch", headline: null, severity: "Moderate", onset: "2031-06-10T19:00:00.000Z", ends: "2031-06-11T03:00:00.000Z" }], start, DEFAULT_RULES);
    expect(w.hours.map((h) => h.at)).toEqual(["2031-06-10T08:00:00.000Z", "2031-06-10T14:00:00.000Z"]);
    expect(w.flags).toEqual(["rain", "alert"]);
    const later = ratePour(rows, [{ event: "Flood Watch", headline: null, severity: "Moderate", onset: "2031-06-11T01:00:00.000Z", ends: null }], start, DEFAULT_RULES);
    expect(later.flags).toEqual(["rain"]);
    expect(ratePour(rows, [{ event: "X", headline: null, severity: null, onset: null, ends: null }], start, rulesWithDefaults({ alertsBlock: false })).flags).toEqual(["rain"]);
  });

  test("a local start time becomes the right instant across time zones and daylight saving", () => {
    expect(zonedInstant("2031-06-10", 7 * 60, "America/Denver").toISOString()).toBe("2031-06-10T13:00:00.000Z");
    expect(zonedInstant("2031-01-10", 7 * 60, "America/Denver").toISOString()).toBe("2031-01-10T14:00:00.000Z");
    expect(zonedInstant("2031-06-10", 7 * 60, "UTC").toISOString()).toBe("2031-06-10T07:00:00.000Z");
    expect(zonedInstant("2031-06-10", 7 * 60, "Europe/London").toISOString()).toBe("2031-06-10T06:00:00.000Z");
  });
});
