import type { GoNoGoRules } from "./settings.ts";
import type { HourlyRow, WeatherAlert } from "./weather.ts";
import { fToC, KMH_PER_MPH } from "./weather.ts";

// Go/no-go rules for a pour, per workspace (crew_settings.weather_rules; a key left out takes its default here).
// Defaults, documented in the README and on the crews settings page:
//   air temperature at or below 40 °F  cold-weather concreting (ACI 306R: "cold weather" is air at or below 40 °F)
//   air temperature above 90 °F        hot-weather concreting (ACI 305R)
//   precipitation probability ≥ 50 %
//   wind above 25 mph
//   evaporation rate ≥ 0.2 lb/ft²/h    plastic-shrinkage cracking risk (ACI 305R), where temperature, humidity and
//                                       wind are all known
//   any active weather alert for the place during the pour window

// The defaults and the merging of stored rules live with the settings (settings.ts): one source for the README,
// the settings page and these checks.
export { DEFAULT_RULES, rulesWithDefaults } from "./settings.ts";
type Rules = GoNoGoRules;

export const FLAGS = ["cold", "hot", "rain", "wind", "evaporation", "alert"] as const;
export type Flag = (typeof FLAGS)[number];

export function flagLabel(flag: Flag, r: Rules): string {
  switch (flag) {
    case "cold":
      return `Cold: air at or below ${r.minTempF} °F (ACI 306)`;
    case "hot":
      return `Hot: air above ${r.maxTempF} °F (ACI 305)`;
    case "rain":
      return `Rain: precipitation probability ${r.maxPrecipPercent} % or more`;
    case "wind":
      return `Wind above ${r.maxWindMph} mph`;
    case "evaporation":
      return `Evaporation ${r.maxEvaporation} lb/ft²/h or more (ACI 305)`;
    case "alert":
      return "Active weather alert";
  }
}

/** 1 kg/m²/h in lb/ft²/h: 2.204623 lb per kg over 10.76391 ft² per m². */
const LB_FT2_PER_KG_M2 = 2.204623 / 10.76391;

/**
 * Evaporation rate of water from a fresh concrete surface, in lb/ft²/h.
 *
 * Uno's formula, the closed form of the Menzel nomograph in ACI 305R (Hot Weather Concreting), Fig. 2.1.5:
 *   E = 5 ([Tc + 18]^2.5 − r [Ta + 18]^2.5) (V + 4) × 10⁻⁶   kg/m²/h
 * with Tc the concrete and Ta the air temperature in °C, r the relative humidity as a fraction, V the wind speed in
 * km/h (P. J. Uno, "Plastic Shrinkage Cracking and Evaporation Formulas", ACI Materials Journal 95(4), 1998).
 * Concrete temperature defaults to the air temperature when nothing was measured. Never negative: moist air over
 * cold concrete condenses rather than evaporates, which is no cracking risk.
 */
export function evaporationRate(airF: number, concreteF: number, humidityPercent: number, windMph: number): number {
  const ta = fToC(airF);
  const tc = fToC(concreteF);
  const r = Math.max(0, Math.min(100, humidityPercent)) / 100;
  const v = Math.max(0, windMph) * KMH_PER_MPH;
  const kgM2h = 5 * (Math.pow(Math.max(0, tc + 18), 2.5) - r * Math.pow(Math.max(0, ta + 18), 2.5)) * (v + 4) * 1e-6;
  return Math.max(0, kgM2h * LB_FT2_PER_KG_M2);
}

export interface RatedHour extends HourlyRow {
  /** lb/ft²/h, or null when temperature, humidity or wind is unknown. */
  evaporation: number | null;
  flags: Flag[];
}

export interface PourWeather {
  hours: RatedHour[];
  alerts: WeatherAlert[];
  /** Every flag any hour of the window raised, in FLAGS order. */
  flags: Flag[];
}

export const WINDOW_HOURS = 6;

/**
 * Rates the forecast hours within ±6 hours of a pour's start and the alerts in force then. `concreteF` is the
 * logged concrete temperature, if any (otherwise the air temperature stands in for it, hour by hour).
 */
export function ratePour(rows: HourlyRow[], alerts: WeatherAlert[], start: Date, rules: Rules, concreteF: number | null = null): PourWeather {
  const from = start.getTime() - WINDOW_HOURS * 3_600_000;
  const to = start.getTime() + WINDOW_HOURS * 3_600_000;
  const hours = rows
    .filter((r) => {
      const t = Date.parse(r.at);
      return t >= from && t <= to;
    })
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((r) => rateHour(r, rules, concreteF));
  const active = alerts.filter((a) => (!a.onset || Date.parse(a.onset) <= to) && (!a.ends || Date.parse(a.ends) >= from));
  const raised = new Set<Flag>(hours.flatMap((h) => h.flags));
  if (rules.alertsBlock && active.length > 0) raised.add("alert");
  return { hours, alerts: active, flags: FLAGS.filter((f) => raised.has(f)) };
}

export function rateHour(r: HourlyRow, rules: Rules, concreteF: number | null = null): RatedHour {
  const flags: Flag[] = [];
  if (r.tempF !== null && r.tempF <= rules.minTempF) flags.push("cold");
  if (r.tempF !== null && r.tempF > rules.maxTempF) flags.push("hot");
  if (r.precipProbability !== null && r.precipProbability >= rules.maxPrecipPercent) flags.push("rain");
  if (r.windMph !== null && r.windMph > rules.maxWindMph) flags.push("wind");
  const evaporation = r.tempF !== null && r.humidity !== null && r.windMph !== null ? evaporationRate(r.tempF, concreteF ?? r.tempF, r.humidity, r.windMph) : null;
  if (evaporation !== null && evaporation >= rules.maxEvaporation) flags.push("evaporation");
  return { ...r, evaporation: evaporation === null ? null : Math.round(evaporation * 1000) / 1000, flags };
}
