import type { Task } from "graphile-worker";
import { z } from "zod";
import { parseConfig } from "../../config.ts";
import { checkPourWeather, queuePourWeatherChecks } from "../../domain/crews/pour-weather.ts";
import { weatherClientConfig, type WeatherClientConfig } from "../../domain/crews/weather.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ tenantId: z.uuid(), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

export interface PourWeatherSettings {
  weather: WeatherClientConfig;
  publicUrl: string;
}

// JobDeps carries no configuration; the worker's environment was validated at start, so it is read again here.
const fromEnv = (): PourWeatherSettings => {
  const config = parseConfig(process.env);
  return { weather: weatherClientConfig(config), publicUrl: config.publicUrl };
};

// Issue 7, item 6: daily, one check job per workspace with a weather provider and pours tomorrow.
export const crewPourWeather =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const queued = await queuePourWeatherChecks(deps.db, deps.now());
    if (queued.length) helpers.logger.info(`crew-pour-weather: ${queued.length} workspaces queued`);
  };

// Re-checks one workspace's pours of a day against the forecast and emails project managers about flags (P19:
// keyed per pour, day and flag set, so a retry or rerun never sends a second email for the same flags).
export const crewPourWeatherCheck =
  (deps: JobDeps, settings?: PourWeatherSettings): Task =>
  async (payload, helpers) => {
    const job = Payload.parse(payload);
    const s = settings ?? fromEnv();
    const r = await checkPourWeather(deps.db.app, job.tenantId, job.day, deps.now(), s.weather, s.publicUrl);
    if (r.emailed) helpers.logger.info(`crew-pour-weather-check ${job.tenantId} ${job.day}: ${r.checked} checked, ${r.flagged} flagged, ${r.emailed} emailed`);
  };
