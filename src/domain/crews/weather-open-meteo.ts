import { getJson, isObject, numberOrNull, placeCoordinates, tidyRow, WeatherError, type Forecast, type HourlyRow, type WeatherClientConfig } from "./weather.ts";

// Open-Meteo's forecast API (https://open-meteo.com/en/docs):
//   GET /v1/forecast?latitude=…&longitude=…&hourly=temperature_2m,precipitation_probability,wind_speed_10m,
//       relative_humidity_2m&temperature_unit=fahrenheit&wind_speed_unit=mph&timeformat=unixtime&start_date=…&end_date=…
//   → { hourly_units: {…}, hourly: { time: [unix seconds, GMT], temperature_2m: [...], … } } (parallel arrays;
//     a value the model lacks is null)
// Errors: HTTP 400 with { "error": true, "reason": "…" } (unknown variable, date out of range, bad key).
// The free host api.open-meteo.com is for non-commercial use only; commercial customers use their own host
// (customer-api.open-meteo.com) with an `apikey` parameter: OPEN_METEO_BASE_URL and OPEN_METEO_API_KEY.
// Open-Meteo publishes no alerts: the alert rule never fires with this provider.

const HOURLY = "temperature_2m,precipitation_probability,wind_speed_10m,relative_humidity_2m";

function describeError(_status: number, body: unknown): string {
  if (isObject(body) && typeof body.reason === "string" && body.reason) return body.reason;
  return "no reason given";
}

/** Fetches the hourly forecast for a place key over whole UTC days from..to ('YYYY-MM-DD', inclusive). */
export async function fetchOpenMeteo(cfg: WeatherClientConfig, place: string, fromDay: string, toDay: string): Promise<Forecast> {
  const { lat, lon } = placeCoordinates(place);
  const params = new URLSearchParams({
    latitude: lat,
    longitude: lon,
    hourly: HOURLY,
    temperature_unit: "fahrenheit",
    wind_speed_unit: "mph",
    timeformat: "unixtime",
    timezone: "GMT",
    start_date: fromDay,
    end_date: toDay,
  });
  if (cfg.openMeteo.apiKey) params.set("apikey", cfg.openMeteo.apiKey);
  const body = await getJson("open-meteo", `${cfg.openMeteo.baseUrl}/v1/forecast?${params}`, { timeoutMs: cfg.timeoutMs, describe: describeError });
  return { hourly: openMeteoHours(body), alerts: [] };
}

export function openMeteoHours(body: unknown): HourlyRow[] {
  // A 200 answer may still carry the error shape (some proxies rewrite the status).
  if (isObject(body) && body.error === true) throw new WeatherError("open-meteo", "http", `Open-Meteo: ${describeError(200, body)}`);
  const hourly = isObject(body) && isObject(body.hourly) ? body.hourly : null;
  const time = hourly?.time;
  if (!hourly || !Array.isArray(time)) throw new WeatherError("open-meteo", "format", "Open-Meteo's answer had no hourly forecast.");
  const col = (name: string): unknown[] => (Array.isArray(hourly[name]) ? (hourly[name] as unknown[]) : []);
  const temp = col("temperature_2m");
  const precip = col("precipitation_probability");
  const wind = col("wind_speed_10m");
  const humidity = col("relative_humidity_2m");
  const rows: HourlyRow[] = [];
  time.forEach((t, i) => {
    // unixtime is seconds; an ISO string (if the parameter was ignored) is GMT without a zone suffix.
    const at = typeof t === "number" ? new Date(t * 1000) : typeof t === "string" ? new Date(/Z|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`) : null;
    if (!at || Number.isNaN(at.getTime())) return;
    rows.push(tidyRow({ at: at.toISOString(), tempF: numberOrNull(temp[i]), precipProbability: numberOrNull(precip[i]), windMph: numberOrNull(wind[i]), humidity: numberOrNull(humidity[i]) }));
  });
  return rows;
}
