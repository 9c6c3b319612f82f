import { sql } from "kysely";
import { inTransaction, type Ctx } from "../context.ts";
import { zonedInstant } from "./pour-times.ts";
import type { WeatherProvider } from "./tables.ts";
import { addDays, localDate } from "./week.ts";
import { placeKey, WeatherError, type Forecast, type HourlyRow, type ProviderName, type WeatherAlert, type WeatherClientConfig } from "./weather.ts";
import { fetchNws } from "./weather-nws.ts";
import { fetchOpenMeteo } from "./weather-open-meteo.ts";

// One site's forecast for one local day, through the cache (crew_weather_cache). Rows cover the day and 12 hours
// either side, so any pour window (±6 h around a start on that day) is inside. A row younger than CACHE_HOURS is
// reused without a request; an older one is refetched, and kept (marked stale) if the provider then fails.
// The provider is the one the workspace chose: with 'none' nothing is ever requested (P21).

export const CACHE_HOURS = 3;
/** How far ahead each provider forecasts hourly; past it nothing is requested. */
export const HORIZON_DAYS: Record<ProviderName, number> = { nws: 7, "open-meteo": 16 };

export type SiteForecast =
  | { status: "ok" | "stale"; provider: ProviderName; hourly: HourlyRow[]; alerts: WeatherAlert[]; fetchedAt: Date; message: string | null }
  | { status: "unavailable" | "error"; provider: ProviderName; message: string };

export interface SiteDay {
  provider: WeatherProvider;
  latitude: number | null;
  longitude: number | null;
  /** The local day, 'YYYY-MM-DD'. */
  day: string;
  timeZone: string;
}

/** The forecast of a site for a day, or null when the workspace has no weather provider. */
export async function siteForecast(ctx: Ctx, cfg: WeatherClientConfig, site: SiteDay): Promise<SiteForecast | null> {
  if (site.provider === "none") return null;
  const provider = site.provider;
  if (site.latitude === null || site.longitude === null) {
    return { status: "unavailable", provider, message: "The project has no latitude and longitude, so there is no forecast for it." };
  }
  const today = localDate(ctx.now, site.timeZone);
  if (site.day < addDays(today, -1)) return { status: "unavailable", provider, message: "This day is past; forecasts are for the days ahead." };
  if (site.day > addDays(today, HORIZON_DAYS[provider])) {
    return { status: "unavailable", provider, message: `The forecast reaches ${HORIZON_DAYS[provider]} days ahead; it will show here from ${addDays(site.day, -HORIZON_DAYS[provider])}.` };
  }
  const place = placeKey(site.latitude, site.longitude);
  const cached = await inTransaction(ctx, (tx) =>
    tx.db
      .selectFrom("crew_weather_cache")
      .select(["hourly", "alerts", "fetched_at"])
      .where("tenant_id", "=", tx.tenantId!)
      .where("provider", "=", provider)
      .where("place_key", "=", place)
      .where("day", "=", site.day)
      .executeTakeFirst(),
  );
  if (cached && ctx.now.getTime() - cached.fetched_at.getTime() < CACHE_HOURS * 3_600_000) {
    return { status: "ok", provider, hourly: cached.hourly as HourlyRow[], alerts: cached.alerts as WeatherAlert[], fetchedAt: cached.fetched_at, message: null };
  }

  // The request runs outside any transaction: no database connection waits on the network.
  const from = zonedInstant(site.day, 0, site.timeZone).getTime() - 12 * 3_600_000;
  const to = zonedInstant(addDays(site.day, 1), 0, site.timeZone).getTime() + 12 * 3_600_000;
  let forecast: Forecast;
  try {
    forecast =
      provider === "nws"
        ? await fetchNws(cfg, place)
        : await fetchOpenMeteo(cfg, place, new Date(from).toISOString().slice(0, 10), new Date(to - 1).toISOString().slice(0, 10));
  } catch (err) {
    if (!(err instanceof WeatherError)) throw err;
    if (cached) {
      return { status: "stale", provider, hourly: cached.hourly as HourlyRow[], alerts: cached.alerts as WeatherAlert[], fetchedAt: cached.fetched_at, message: err.message };
    }
    return { status: "error", provider, message: err.message };
  }
  const hourly = forecast.hourly.filter((r) => {
    const t = Date.parse(r.at);
    return t >= from && t < to;
  });
  // Bound as text and cast: postgres.js would send a JS array as a Postgres array, not JSON.
  const jsonb = (v: unknown) => sql<never>`${JSON.stringify(v)}::text::jsonb`;
  await inTransaction(ctx, (tx) =>
    tx.db
      .insertInto("crew_weather_cache")
      .values({ tenant_id: tx.tenantId!, provider, place_key: place, day: site.day, hourly: jsonb(hourly), alerts: jsonb(forecast.alerts), fetched_at: tx.now })
      .onConflict((oc) => oc.columns(["tenant_id", "provider", "place_key", "day"]).doUpdateSet({ hourly: jsonb(hourly), alerts: jsonb(forecast.alerts), fetched_at: tx.now }))
      .execute(),
  );
  return { status: "ok", provider, hourly, alerts: forecast.alerts, fetchedAt: ctx.now, message: null };
}

/** Forecasts for days already past are of no further use: the daily job deletes them. */
export async function purgeOldForecasts(ctx: Ctx, today: string): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const r = await tx.db.deleteFrom("crew_weather_cache").where("tenant_id", "=", tx.tenantId!).where("day", "<", addDays(today, -1)).executeTakeFirst();
    return Number(r.numDeletedRows);
  });
}
