import { z } from "zod";
import { Invalid } from "../errors.ts";
import type { Program } from "./programs.ts";
import type { CapacityChannel, OpeningHours, ShrinkageCategory } from "./tables.ts";

// The program form (issue 5, item 1): percents typed as "80" become fractions, "HH:MM" becomes minutes of the day,
// up to 8 named shrinkage categories are summed; every field's message at once.

export const CHANNELS: CapacityChannel[] = ["voice", "chat", "email"];
export const INTERVALS = [15, 30, 60] as const;
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export const SHRINKAGE_ROWS = 8;

/** Sums percents without float noise (12.1 + 10.2 is 22.3, not 22.299999999999997). */
export const shrinkageTotal = (cats: ShrinkageCategory[]) => Math.round(cats.reduce((s, c) => s + c.percent, 0) * 1000) / 1000;

export const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
/** Minutes of the day from "HH:MM" (24:00 allowed: a close at midnight), or null. */
export function parseHhmm(v: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(v.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return null;
  return h * 60 + min;
}

const trimmed = (v: unknown) => (typeof v === "string" ? v.replaceAll("\0", "").trim() : "");
const number = (v: string) => (v === "" ? NaN : Number(v.replace(",", ".")));

/** A whole number in a range from a form field; optional ones are null when empty. */
const whole = (label: string, min: number, max: number) =>
  z.preprocess(trimmed, z.string().min(1, { error: `Enter ${label}.` }).transform(number).pipe(z.number({ error: `Enter ${label} as a whole number.` }).int({ error: `Enter ${label} as a whole number.` }).min(min, { error: `${cap(label)} must be at least ${min}.` }).max(max, { error: `${cap(label)} must be at most ${max}.` })));
const optionalWhole = (label: string, min: number, max: number) => z.preprocess((v) => (trimmed(v) === "" ? null : v), whole(label, min, max).nullable());
/** A percent typed as "80" or "12,5", stored as a fraction. */
const percent = (label: string, min: number, max: number, minMessage?: string) =>
  z.preprocess(trimmed, z.string().min(1, { error: `Enter ${label}.` }).transform(number).pipe(z.number({ error: `Enter ${label} as a number, e.g. 80.` }).min(min, { error: minMessage ?? `${cap(label)} must be between ${min} and ${max} %.` }).max(max, { error: `${cap(label)} must be between ${min} and ${max} %.` })));
const optionalPercent = (label: string, min: number, max: number, minMessage?: string) => z.preprocess((v) => (trimmed(v) === "" ? null : v), percent(label, min, max, minMessage).nullable());
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const Base = z.object({
  name: z.preprocess(trimmed, z.string().min(1, { error: "Give the program a name." }).max(100, { error: "Use at most 100 characters." })),
  channel: z.enum(CHANNELS, { error: "Choose voice, chat or email." }),
  interval_minutes: z.preprocess(trimmed, z.enum(["15", "30", "60"], { error: "Choose 15, 30 or 60 minutes." }).transform(Number)),
  sl_target: percent("the service-level goal", 1, 100, "The service-level goal must be between 1 and 100 %."),
  sl_seconds: whole("the service-level seconds", 0, 3600),
  asa_goal_seconds: optionalWhole("the ASA goal", 1, 3600),
  max_occupancy: optionalPercent("the maximum occupancy", 1, 100),
  patience_seconds: optionalWhole("the patience", 1, 86400),
  max_abandon_rate: optionalPercent("the maximum abandon rate", 0, 99),
  default_aht_seconds: whole("the AHT", 1, 86400).refine((n) => n > 0, { error: "AHT must be more than 0 seconds." }),
});

export type ProgramInput = Omit<z.output<typeof Base>, "sl_target" | "max_occupancy" | "max_abandon_rate"> & {
  sl_target: number;
  max_occupancy: number | null;
  max_abandon_rate: number | null;
  opening_hours: OpeningHours;
  shrinkage: ShrinkageCategory[];
};

/** Parses the program form (every field's message at once) or throws Invalid. */
export function parseProgram(values: Record<string, string>): ProgramInput {
  const errors: Record<string, string> = {};
  const base = Base.safeParse(values);
  if (!base.success) for (const i of base.error.issues) errors[String(i.path[0])] ??= i.message;
  const interval = base.success ? base.data.interval_minutes : null;

  const opening_hours: OpeningHours = {};
  for (const d of WEEKDAYS) {
    const o = trimmed(values[`open_${d}`]);
    const c = trimmed(values[`close_${d}`]);
    opening_hours[d] = null;
    if (o === "" && c === "") continue;
    const open = parseHhmm(o);
    const close = parseHhmm(c);
    if (o === "" || c === "") errors[o === "" ? `open_${d}` : `close_${d}`] = "Give both opening and closing times, or leave both empty for a closed day.";
    else if (open === null || open === 1440) errors[`open_${d}`] = "Enter a time as HH:MM, e.g. 08:00.";
    else if (close === null) errors[`close_${d}`] = "Enter a time as HH:MM, e.g. 18:00 (24:00 for midnight).";
    else if (close <= open) errors[`close_${d}`] = "The closing time must be after the opening time.";
    else if (interval && (open % interval || close % interval)) errors[open % interval ? `open_${d}` : `close_${d}`] = `Times must fall on the ${interval}-minute interval grid (e.g. ${hhmm(open - (open % interval))}).`;
    else opening_hours[d] = { open, close };
  }
  if (WEEKDAYS.every((d) => !trimmed(values[`open_${d}`]) && !trimmed(values[`close_${d}`]))) errors.open_1 ??= "Open the program on at least one day.";

  const shrinkage: ShrinkageCategory[] = [];
  for (let i = 1; i <= SHRINKAGE_ROWS; i++) {
    const name = trimmed(values[`shrinkage_name_${i}`]);
    const raw = trimmed(values[`shrinkage_percent_${i}`]);
    if (name === "" && raw === "") continue;
    const p = number(raw);
    if (name === "") errors[`shrinkage_name_${i}`] = "Name this category, e.g. Breaks.";
    else if (name.length > 60) errors[`shrinkage_name_${i}`] = "Use at most 60 characters.";
    else if (raw === "" || !Number.isFinite(p)) errors[`shrinkage_percent_${i}`] = "Enter a percentage, e.g. 12.5.";
    else if (p < 0 || p > 100) errors[`shrinkage_percent_${i}`] = "A percentage must be between 0 and 100.";
    else shrinkage.push({ name, percent: Math.round(p * 1000) / 1000 });
  }
  const total = shrinkageTotal(shrinkage);
  if (total >= 100) errors.shrinkage = `Shrinkage adds up to ${total} %; it must stay below 100 %.`;

  if (base.success && base.data.max_abandon_rate !== null && base.data.patience_seconds === null) {
    errors.max_abandon_rate = "Set a patience (Erlang A) to use a maximum abandon rate.";
  }
  if (Object.keys(errors).length || !base.success) throw new Invalid(errors);
  const d = base.data;
  const frac = (p: number | null) => (p === null ? null : Math.round(p * 100) / 10000);
  return { ...d, sl_target: frac(d.sl_target)!, max_occupancy: frac(d.max_occupancy), max_abandon_rate: frac(d.max_abandon_rate), opening_hours, shrinkage };
}

/** The form's values for a saved program (percents for fractions, HH:MM for minutes). */
export function programFormValues(p: Program): Record<string, string> {
  const pct = (f: number | null) => (f === null ? "" : String(Math.round(f * 10000) / 100));
  const v: Record<string, string> = {
    name: p.name, channel: p.channel, interval_minutes: String(p.intervalMinutes), sl_target: pct(p.slTarget), sl_seconds: String(p.slSeconds),
    asa_goal_seconds: p.asaGoalSeconds === null ? "" : String(p.asaGoalSeconds), max_occupancy: pct(p.maxOccupancy),
    patience_seconds: p.patienceSeconds === null ? "" : String(p.patienceSeconds), max_abandon_rate: pct(p.maxAbandonRate), default_aht_seconds: String(p.defaultAhtSeconds),
  };
  for (const d of WEEKDAYS) {
    const h = p.openingHours[d];
    v[`open_${d}`] = h ? hhmm(h.open) : "";
    v[`close_${d}`] = h ? hhmm(h.close) : "";
  }
  p.shrinkage.forEach((s, i) => {
    v[`shrinkage_name_${i + 1}`] = s.name;
    v[`shrinkage_percent_${i + 1}`] = String(s.percent);
  });
  return v;
}

