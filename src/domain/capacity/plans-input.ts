import { z } from "zod";
import { Invalid } from "../errors.ts";
import { addDays, dayFromNumber, dayNumber } from "./plans-math.ts";

// Form fields shared by forecasts, adjustments, plans, scenarios and leave. Forms speak percents ("20" or "+20"
// for +20 %) and HH:MM; the tables store fractions and minutes of the day (migrations/0006_capacity_plans.ts).

const clean = (v: unknown) => (typeof v === "string" ? v.replaceAll("\0", "").trim() : v);

/** A calendar date YYYY-MM-DD that exists (2025-02-30 does not). */
export const isDay = (v: string) =>
  // 2025-13-01 parses to NaN, and dayFromNumber(NaN) throws: check the number before turning it back into a day.
  /^\d{4}-\d{2}-\d{2}$/.test(v) && Number.isFinite(dayNumber(v)) && dayFromNumber(dayNumber(v)) === v && v >= "2000-01-01" && v <= "2100-12-31";

export const day = (missing: string) =>
  z.preprocess(clean, z.string({ error: missing }).min(1, { error: missing }).refine(isDay, { error: "Enter a date as YYYY-MM-DD, e.g. 2025-03-03." }));

export const optionalDay = z.preprocess((v) => clean(v) || null, z.string().refine(isDay, { error: "Enter a date as YYYY-MM-DD, e.g. 2025-03-03." }).nullable());

/** A whole number in a range, from a form string. */
export const int = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? Number(v.trim()) : v === "" ? undefined : v),
    z.number({ error: `Enter ${what}.` }).int({ error: `Enter a whole number for ${what}.` }).min(min, { error: `Enter ${min} to ${max}.` }).max(max, { error: `Enter ${min} to ${max}.` }),
  );

const number = (v: unknown) => {
  const s = clean(v);
  if (typeof s !== "string" || s === "") return undefined;
  const t = s.replace(/\s*%$/, "").replace(",", ".");
  return /^[+-]?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
};

/** A number in a range (optional: blank gives `fallback`). */
export const decimal = (min: number, max: number, what: string, fallback?: number) =>
  z.preprocess(
    (v) => number(v) ?? fallback,
    z.number({ error: `Enter a number for ${what}.` }).refine((n) => n >= min && n <= max, { error: `Enter ${min} to ${max}.` }),
  );

/** A percent typed as "20", "+20", "-15" or "20 %" → the fraction (0.2); blank → null. */
export const optionalPercent = (min: number, max: number) =>
  z.preprocess(
    (v) => number(v) ?? null,
    z
      .number({ error: "Enter a percent, e.g. 20 or -15." })
      .refine((n) => n >= min && n <= max, { error: `Enter ${min} to ${max} (percent).` })
      .transform((n) => Math.round(n * 1e4) / 1e6)
      .nullable(),
  );

export const optionalInt = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => (typeof clean(v) === "string" && clean(v) !== "" ? Number(clean(v)) : null),
    z.number().int({ error: `Enter a whole number of ${what}.` }).min(min, { error: `Enter ${min} to ${max}.` }).max(max, { error: `Enter ${min} to ${max}.` }).nullable(),
  );

/** HH:MM → minute of the day; "24:00" is the end of the day (1440). Blank → null. */
export const optionalTime = z.preprocess(
  (v) => clean(v) || null,
  z
    .string()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$|^24:00$/, { error: "Enter a time as HH:MM, e.g. 09:00." })
    .transform((s) => {
      const [h, m] = s.split(":").map(Number) as [number, number];
      return h * 60 + m;
    })
    .nullable(),
);

export const text = (max: number, missing: string) =>
  z.preprocess((v) => (typeof v === "string" ? v.replaceAll("\0", "").trim() : ""), z.string().min(1, { error: missing }).max(max, { error: `Use at most ${max} characters.` }));

export const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
/** A stored fraction as the percent a form shows ("12.5" for 0.125); null → "". */
export const percentText = (f: number | null | undefined) => (f === null || f === undefined ? "" : String(Math.round(f * 1e6) / 1e4));

/** The Monday after `day` (or `day` itself when it is a Monday). */
export const nextMonday = (d: string) => {
  const wd = ((dayNumber(d) + 3) % 7) + 1;
  return wd === 1 ? d : addDays(d, 8 - wd);
};

/** Parses form values with a schema, or throws Invalid with the first message of each field. */
export function parseInput<S extends z.ZodType>(schema: S, values: Record<string, string>): z.output<S> {
  const r = schema.safeParse(values);
  if (r.success) return r.data;
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? "_form");
    if (!(key in errors)) errors[key] = issue.message;
  }
  throw new Invalid(errors);
}
