import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { authorize } from "../tenancy/permissions.ts";
import { parseForm } from "./people-common.ts";
import type { WeatherProvider, WeatherRules } from "./tables.ts";

// The workspace's crews settings: when the weekly schedule is emailed, which weather provider forecasts pours, and
// the go/no-go thresholds. Changing them needs "settings.manage" (owners and admins): they decide what every
// employee receives and when a pour is flagged. Anyone who can see records can read them.
//
// The go/no-go rules and their documented defaults (issue 7, item 6). A pour hour is flagged when:
//   air temperature ≤ minTempF (40 °F: cold-weather concreting, ACI 306), or > maxTempF (90 °F: hot weather);
//   precipitation probability ≥ maxPrecipPercent (50 %); wind > maxWindMph (25 mph);
//   evaporation rate ≥ maxEvaporation (0.2 lb/ft²/h, ACI 305) where humidity and wind allow computing it;
//   any active weather alert at the site, when alertsBlock is on.
// Units are US customary whatever the workspace's units: the ACI thresholds are stated in them.

export const WEATHER_PROVIDERS = ["none", "nws", "open-meteo"] as const satisfies readonly WeatherProvider[];
export const PROVIDER_LABELS: Record<WeatherProvider, string> = { none: "None (no forecasts)", nws: "US National Weather Service", "open-meteo": "Open-Meteo" };

export interface GoNoGoRules {
  minTempF: number;
  maxTempF: number;
  maxPrecipPercent: number;
  maxWindMph: number;
  maxEvaporation: number;
  alertsBlock: boolean;
}

export const DEFAULT_RULES: Readonly<GoNoGoRules> = Object.freeze({ minTempF: 40, maxTempF: 90, maxPrecipPercent: 50, maxWindMph: 25, maxEvaporation: 0.2, alertsBlock: true });

export interface CrewSettings {
  /** ISO weekday the week's schedule is emailed: 1 = Monday … 7 = Sunday. */
  distributionWeekday: number;
  /** 'HH:MM', in the workspace's time zone. */
  distributionTime: string;
  weatherProvider: WeatherProvider;
  /** The thresholds in force: stored ones over the defaults. */
  rules: GoNoGoRules;
  /** True when nothing is stored (the documented defaults apply as such). */
  rulesAreDefaults: boolean;
}

export const DEFAULT_SETTINGS: Readonly<CrewSettings> = Object.freeze({ distributionWeekday: 5, distributionTime: "14:00", weatherProvider: "none", rules: { ...DEFAULT_RULES }, rulesAreDefaults: true });

/** Stored rules over the defaults; a key of the wrong type (hand-edited JSON) falls back to its default. */
export function rulesWithDefaults(stored: WeatherRules | null): GoNoGoRules {
  const out: GoNoGoRules = { ...DEFAULT_RULES };
  if (!stored) return out;
  for (const k of Object.keys(DEFAULT_RULES) as (keyof GoNoGoRules)[]) {
    const v = stored[k];
    if (k === "alertsBlock") {
      if (typeof v === "boolean") out.alertsBlock = v;
    } else if (typeof v === "number" && Number.isFinite(v)) (out as unknown as Record<string, number>)[k] = v;
  }
  return out;
}

/** The workspace's crews settings, with the defaults applied (for the schedule, distribution and pours). */
export async function crewSettings(ctx: Ctx): Promise<CrewSettings> {
  authorize(ctx, "records.view");
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("crew_settings").selectAll().where("tenant_id", "=", tx.tenantId!).executeTakeFirst();
    if (!row) return { ...DEFAULT_SETTINGS, rules: { ...DEFAULT_RULES } };
    return {
      distributionWeekday: row.distribution_weekday,
      distributionTime: row.distribution_time.slice(0, 5),
      weatherProvider: row.weather_provider,
      rules: rulesWithDefaults(row.weather_rules),
      rulesAreDefaults: row.weather_rules === null,
    };
  });
}

const number = (label: string, min: number, max: number, step: "int" | "decimal") =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.trim() : v),
    z
      .string()
      .min(1, { error: `Enter the ${label}.` })
      .regex(step === "int" ? /^-?\d{1,4}$/ : /^-?\d{1,4}(\.\d{1,3})?$/, { error: step === "int" ? `Enter the ${label} as a whole number.` : `Enter the ${label} as a number, e.g. 0.2.` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { error: `The ${label} must be between ${min} and ${max}.` }),
  );

export const CrewSettingsSchema = z
  .object({
    distribution_weekday: z.preprocess((v) => (typeof v === "string" ? v.trim() : v), z.string().regex(/^[1-7]$/, { error: "Choose a day of the week." }).transform(Number)),
    distribution_time: z.preprocess(
      (v) => (typeof v === "string" ? v.trim().slice(0, 5) : v),
      z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "Enter a time as HH:MM (24-hour), e.g. 14:00." }),
    ),
    weather_provider: z.enum(WEATHER_PROVIDERS, { error: "Choose a weather provider from the list." }),
    min_temp_f: number("minimum air temperature", -40, 120, "int"),
    max_temp_f: number("maximum air temperature", -40, 130, "int"),
    max_precip_percent: number("precipitation probability", 0, 100, "int"),
    max_wind_mph: number("wind speed", 0, 200, "int"),
    max_evaporation: number("evaporation rate", 0, 5, "decimal"),
    alerts_block: z.preprocess((v) => v === "1" || v === "on" || v === "yes", z.boolean()),
  })
  .superRefine((s, ctx) => {
    if (s.min_temp_f >= s.max_temp_f) ctx.addIssue({ code: "custom", path: ["max_temp_f"], message: "The maximum temperature must be above the minimum." });
  });

/** Saves the settings (owners and admins). Rules equal to the defaults are stored as null, so they follow the documented defaults. */
export async function updateCrewSettings(ctx: Ctx, values: Record<string, string>): Promise<void> {
  authorize(ctx, "settings.manage");
  const input = parseForm(CrewSettingsSchema, values);
  const rules: GoNoGoRules = {
    minTempF: input.min_temp_f,
    maxTempF: input.max_temp_f,
    maxPrecipPercent: input.max_precip_percent,
    maxWindMph: input.max_wind_mph,
    maxEvaporation: input.max_evaporation,
    alertsBlock: input.alerts_block,
  };
  const isDefault = (Object.keys(DEFAULT_RULES) as (keyof GoNoGoRules)[]).every((k) => rules[k] === DEFAULT_RULES[k]);
  await inTransaction(ctx, async (tx) => {
    const before = await crewSettings(tx);
    const row = { distribution_weekday: input.distribution_weekday, distribution_time: input.distribution_time, weather_provider: input.weather_provider, weather_rules: isDefault ? null : rules, updated_at: tx.now };
    await tx.db
      .insertInto("crew_settings")
      .values({ tenant_id: tx.tenantId!, ...row })
      .onConflict((oc) => oc.column("tenant_id").doUpdateSet(row))
      .execute();
    const changes = {
      ...diff(
        { distributionWeekday: before.distributionWeekday, distributionTime: before.distributionTime, weatherProvider: before.weatherProvider },
        { distributionWeekday: input.distribution_weekday, distributionTime: input.distribution_time, weatherProvider: input.weather_provider },
        ["distributionWeekday", "distributionTime", "weatherProvider"],
      ),
      ...diff({ ...before.rules } as Record<string, unknown>, { ...rules }, Object.keys(DEFAULT_RULES)),
    };
    if (Object.keys(changes).length) await audit(tx, "crew_settings.updated", { type: "crew_settings", id: tx.tenantId! }, changes);
  });
}

/** The form's values for stored settings. */
export function settingsForm(s: CrewSettings): Record<string, string> {
  return {
    distribution_weekday: String(s.distributionWeekday),
    distribution_time: s.distributionTime,
    weather_provider: s.weatherProvider,
    min_temp_f: String(s.rules.minTempF),
    max_temp_f: String(s.rules.maxTempF),
    max_precip_percent: String(s.rules.maxPrecipPercent),
    max_wind_mph: String(s.rules.maxWindMph),
    max_evaporation: String(s.rules.maxEvaporation),
    alerts_block: s.rules.alertsBlock ? "1" : "",
  };
}
