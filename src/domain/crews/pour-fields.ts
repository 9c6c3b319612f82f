import { z } from "zod";

// Form fields the pour forms share: times of day and decimal quantities.

const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
export const timeField = (message: string) =>
  z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string().regex(TIME, { error: message }).transform((t) => t.slice(0, 5)));
export const optionalTime = (message: string) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : null), z.string().regex(TIME, { error: message }).transform((t) => t.slice(0, 5)).nullable());

/** A decimal number from a form, at most 2 decimals, within bounds. */
export const decimal = (min: number, max: number, what: string, opts: { optional?: boolean; minExclusive?: boolean } = {}) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? null : v.trim().replace(",", ".")) : (v ?? null)),
    z
      .string({ error: `Enter ${what}.` })
      .regex(/^-?\d{1,7}(\.\d{1,2})?$/, { error: `Enter ${what} as a number with at most 2 decimals.` })
      .transform(Number)
      .refine((n) => (opts.minExclusive ? n > min : n >= min) && n <= max, { error: `Enter ${what} ${opts.minExclusive ? "above" : "from"} ${min} to ${max}.` })
      .nullable()
      .refine((n) => opts.optional || n !== null, { error: `Enter ${what}.` }),
  );
