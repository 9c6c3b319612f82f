import { cToF, getJson, isObject, KMH_PER_MPH, numberOrNull, placeCoordinates, tidyRow, WeatherError, type Forecast, type HourlyRow, type WeatherAlert, type WeatherClientConfig } from "./weather.ts";

// The US National Weather Service API (api.weather.gov), documented at https://www.weather.gov/documentation/services-web-api:
//   GET /points/{lat},{lon}              → properties.forecastHourly, the URL of the grid's hourly forecast
//   GET {forecastHourly}                 → properties.periods[]: startTime, temperature + temperatureUnit,
//                                          windSpeed ("10 mph", "5 to 10 mph"), probabilityOfPrecipitation and
//                                          relativeHumidity ({ unitCode: "wmoUnit:percent", value })
//   GET /alerts/active?point={lat},{lon} → GeoJSON features[].properties: event, headline, severity, onset, ends
// Every request must carry a User-Agent naming the application and a contact (NWS refuses anonymous clients).
// Errors are RFC 7807 problem details (application/problem+json): { type, title, status, detail, instance,
// correlationId }, e.g. 404 "Data Unavailable For Requested Point" outside the US, 500 "Unexpected Problem".
// US only: NWS has no forecast outside the United States and its territories.

const ACCEPT = "application/geo+json";

function describeProblem(_status: number, body: unknown): string {
  if (isObject(body)) {
    const title = typeof body.title === "string" ? body.title : null;
    const detail = typeof body.detail === "string" ? body.detail : null;
    const text = [title, detail].filter(Boolean).join(": ");
    if (text) return text;
  }
  return "no details given";
}

/** Fetches the hourly forecast and active alerts for a place key ('39.74,-104.99'). */
export async function fetchNws(cfg: WeatherClientConfig, place: string): Promise<Forecast> {
  const { lat, lon } = placeCoordinates(place);
  const headers = { "User-Agent": cfg.nws.userAgent, Accept: ACCEPT };
  const get = (url: string) => getJson("nws", url, { headers, timeoutMs: cfg.timeoutMs, describe: describeProblem });

  const point = await get(`${cfg.nws.baseUrl}/points/${lat},${lon}`);
  const hourlyUrl = isObject(point) && isObject(point.properties) ? point.properties.forecastHourly : null;
  if (typeof hourlyUrl !== "string") throw new WeatherError("nws", "format", "The National Weather Service gave no hourly forecast for this place.");
  // The forecast URL comes from the answer: only follow it to the host we were configured to ask (P21).
  let sameHost = false;
  try {
    sameHost = new URL(hourlyUrl).origin === new URL(cfg.nws.baseUrl).origin;
  } catch {
    sameHost = false;
  }
  if (!sameHost) throw new WeatherError("nws", "format", "The National Weather Service pointed to a forecast on another host; it was not fetched.");

  const [hourly, alerts] = await Promise.all([get(hourlyUrl), get(`${cfg.nws.baseUrl}/alerts/active?point=${lat},${lon}`)]);
  return { hourly: nwsPeriods(hourly), alerts: nwsAlerts(alerts) };
}

export function nwsPeriods(body: unknown): HourlyRow[] {
  const periods = isObject(body) && isObject(body.properties) ? body.properties.periods : null;
  if (!Array.isArray(periods)) throw new WeatherError("nws", "format", "The National Weather Service's hourly forecast had no periods.");
  const rows: HourlyRow[] = [];
  for (const p of periods) {
    if (!isObject(p) || typeof p.startTime !== "string") continue;
    const at = new Date(p.startTime);
    if (Number.isNaN(at.getTime())) continue;
    rows.push(
      tidyRow({
        at: at.toISOString(),
        tempF: temperatureF(p.temperature, p.temperatureUnit),
        precipProbability: quantity(p.probabilityOfPrecipitation),
        windMph: windMph(p.windSpeed),
        humidity: quantity(p.relativeHumidity),
      }),
    );
  }
  return rows;
}

/** A QuantitativeValue ({ unitCode, value }) or a bare number. */
function quantity(v: unknown): number | null {
  if (isObject(v)) return numberOrNull(v.value);
  return numberOrNull(v);
}

function temperatureF(value: unknown, unit: unknown): number | null {
  // With the forecast_temperature_qv feature flag the temperature is a QuantitativeValue in wmoUnit:degC.
  if (isObject(value)) {
    const v = numberOrNull(value.value);
    if (v === null) return null;
    return typeof value.unitCode === "string" && /degC$/.test(value.unitCode) ? cToF(v) : v;
  }
  const v = numberOrNull(value);
  if (v === null) return null;
  return unit === "C" ? cToF(v) : v;
}

/** "10 mph", "5 to 10 mph" (the higher end counts), "15 km/h", or a QuantitativeValue in km/h. */
function windMph(v: unknown): number | null {
  if (isObject(v)) {
    const n = numberOrNull(v.value);
    if (n === null) return null;
    return typeof v.unitCode === "string" && /km_h-1$/.test(v.unitCode) ? n / KMH_PER_MPH : n;
  }
  if (typeof v !== "string") return numberOrNull(v);
  const numbers = [...v.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  if (numbers.length === 0) return null;
  const top = Math.max(...numbers);
  return /km\/h/i.test(v) ? top / KMH_PER_MPH : top;
}

export function nwsAlerts(body: unknown): WeatherAlert[] {
  const features = isObject(body) ? body.features : null;
  if (!Array.isArray(features)) throw new WeatherError("nws", "format", "The National Weather Service's alerts were not a feature collection.");
  const str = (v: unknown) => (typeof v === "string" && v ? v.slice(0, 300) : null);
  const iso = (v: unknown) => {
    if (typeof v !== "string") return null;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  };
  const out: WeatherAlert[] = [];
  for (const f of features) {
    const p = isObject(f) && isObject(f.properties) ? f.properties : null;
    if (!p) continue;
    out.push({ event: str(p.event) ?? "Weather alert", headline: str(p.headline), severity: str(p.severity), onset: iso(p.onset ?? p.effective), ends: iso(p.ends ?? p.expires) });
  }
  return out.slice(0, 20);
}
