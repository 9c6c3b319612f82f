import type { Config } from "../../config.ts";

// The weather providers' common ground: hourly rows in one shape and units, active alerts, and the one HTTP helper
// both clients use. Only the provider a workspace chose is ever asked (P21); see weather-forecast.ts.

export type ProviderName = "nws" | "open-meteo";

/** One forecast hour, whatever the provider: °F, percent, mph, percent. Missing values are null. */
export interface HourlyRow {
  /** The hour's start, ISO 8601 in UTC. */
  at: string;
  tempF: number | null;
  precipProbability: number | null;
  windMph: number | null;
  humidity: number | null;
}

export interface WeatherAlert {
  event: string;
  headline: string | null;
  severity: string | null;
  /** ISO 8601; null when the provider does not say. */
  onset: string | null;
  ends: string | null;
}

export interface Forecast {
  hourly: HourlyRow[];
  alerts: WeatherAlert[];
}

export interface WeatherClientConfig {
  nws: { baseUrl: string; userAgent: string };
  openMeteo: { baseUrl: string; apiKey: string | null };
  timeoutMs: number;
}

export function weatherClientConfig(config: Pick<Config, "NWS_BASE_URL" | "NWS_USER_AGENT" | "OPEN_METEO_BASE_URL" | "OPEN_METEO_API_KEY" | "WEATHER_TIMEOUT_MS">): WeatherClientConfig {
  return {
    nws: { baseUrl: config.NWS_BASE_URL.replace(/\/+$/, ""), userAgent: config.NWS_USER_AGENT },
    openMeteo: { baseUrl: config.OPEN_METEO_BASE_URL.replace(/\/+$/, ""), apiKey: config.OPEN_METEO_API_KEY ?? null },
    timeoutMs: config.WEATHER_TIMEOUT_MS,
  };
}

export type WeatherErrorKind = "http" | "timeout" | "network" | "format";

/** A provider did not give a usable forecast. The message is safe to show (no keys, no URLs with keys). */
export class WeatherError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly kind: WeatherErrorKind,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export const PROVIDER_LABEL: Record<ProviderName, string> = { nws: "National Weather Service", "open-meteo": "Open-Meteo" };

/**
 * GET a JSON document. Redirects are refused rather than followed, so a request never ends up at a host the
 * workspace did not choose. A non-2xx answer becomes a WeatherError with the provider's own words (describe).
 */
export async function getJson(
  provider: ProviderName,
  url: string,
  opts: { headers?: Record<string, string>; timeoutMs: number; describe: (status: number, body: unknown) => string },
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: opts.headers, redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "TimeoutError" || name === "AbortError") {
      throw new WeatherError(provider, "timeout", `${PROVIDER_LABEL[provider]} did not answer within ${Math.round(opts.timeoutMs / 100) / 10} s.`);
    }
    throw new WeatherError(provider, "network", `${PROVIDER_LABEL[provider]} could not be reached.`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new WeatherError(provider, "timeout", `${PROVIDER_LABEL[provider]} did not finish answering in time.`);
  }
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.status < 200 || res.status > 299) {
    throw new WeatherError(provider, "http", `${PROVIDER_LABEL[provider]} answered ${res.status}: ${opts.describe(res.status, body).slice(0, 300)}`, res.status);
  }
  if (body === null || typeof body !== "object") throw new WeatherError(provider, "format", `${PROVIDER_LABEL[provider]} sent something that is not JSON.`);
  return body;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const numberOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

export const cToF = (c: number) => (c * 9) / 5 + 32;
export const fToC = (f: number) => ((f - 32) * 5) / 9;
export const KMH_PER_MPH = 1.609344;

/** Rounds a row's numbers for storage and display; the rules work on these. */
export function tidyRow(row: HourlyRow): HourlyRow {
  const pct = (v: number | null) => (v === null ? null : Math.max(0, Math.min(100, Math.round(v))));
  return { at: row.at, tempF: round1(row.tempF), precipProbability: pct(row.precipProbability), windMph: round1(row.windMph), humidity: pct(row.humidity) };
}

/** Latitude and longitude rounded to 2 decimals (about 1 km): one forecast per site, and no more precision sent out than that. */
export function placeKey(lat: number, lon: number): string {
  return `${lat.toFixed(2)},${lon.toFixed(2)}`;
}

/** The coordinates a place key stands for, as the short decimal strings the providers accept. */
export function placeCoordinates(key: string): { lat: string; lon: string } {
  const [lat, lon] = key.split(",");
  return { lat: String(Number(lat)), lon: String(Number(lon)) };
}
