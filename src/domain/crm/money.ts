import { z } from "zod";

// Amounts are kept in minor units (cents, öre, yen) as bigint, never as floats: a float cannot hold 0.10 exactly,
// and a sum of many deals must come out to the cent.

export const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Digits after the decimal point, per ISO 4217 (and what Intl uses for display). */
const DECIMALS: Record<Currency, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CAD: 2, AUD: 2, JPY: 0 };

/** The largest amount the database accepts (deals.amount_minor check). */
export const MAX_MINOR = 100_000_000_000_000n;

export const isCurrency = (c: string): c is Currency => (CURRENCIES as readonly string[]).includes(c);
export const currencyDecimals = (c: Currency) => DECIMALS[c];

export const CurrencySchema = z.enum(CURRENCIES, { error: "Choose a currency from the list." });

export type ParsedAmount = { ok: true; minor: bigint } | { ok: false; message: string };

/**
 * A major-unit amount as typed ("1,234.50", "1234.5", "1 234") to minor units, exactly. Commas and spaces are
 * accepted only as thousands separators (groups of three), so "12,5" is refused rather than read as 125.
 */
export function parseAmount(typed: string, currency: Currency): ParsedAmount {
  const s = typed.trim().replace(/[\s\u00a0\u202f]/g, ",");
  if (s === "") return { ok: true, minor: 0n };
  if (s.length > 40) return { ok: false, message: "That amount is too large." };
  if (s.startsWith("-")) return { ok: false, message: "Enter an amount of zero or more." };
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(s) ?? /^()\.(\d+)$/.exec(s);
  if (!m) return { ok: false, message: "Enter an amount like 1,234.50 (digits, with a dot for decimals)." };
  const whole = (m[1] || "0").replace(/,/g, "");
  const frac = m[2] ?? "";
  const decimals = DECIMALS[currency];
  if (frac.replace(/0+$/, "").length > decimals) {
    return { ok: false, message: decimals === 0 ? `${currency} amounts have no decimals.` : `${currency} amounts have at most ${decimals} decimals.` };
  }
  const minor = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.slice(0, decimals).padEnd(decimals, "0") || "0");
  if (minor > MAX_MINOR) return { ok: false, message: "That amount is too large." };
  return { ok: true, minor };
}

/** Minor units as a plain decimal string in major units ("123450" EUR → "1234.50"), for form fields. */
export function minorToMajor(minor: bigint | string, currency: Currency): string {
  const d = DECIMALS[currency];
  const s = BigInt(minor).toString().padStart(d + 1, "0");
  return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
}

const formatters = new Map<Currency, Intl.NumberFormat>();

/** Minor units for display with the currency's symbol ("€1,234.50", "¥1,234"). Intl formats the decimal string exactly. */
export function formatMoney(minor: bigint | string, currency: string): string {
  if (!isCurrency(currency)) return `${minor} ${currency}`;
  let f = formatters.get(currency);
  if (!f) formatters.set(currency, (f = new Intl.NumberFormat("en", { style: "currency", currency })));
  // format() takes a decimal string exactly (Intl.NumberFormat v3); TypeScript's lib types only say number.
  return f.format(minorToMajor(minor, currency) as unknown as number);
}
