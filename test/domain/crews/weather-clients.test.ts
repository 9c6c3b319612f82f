import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { weatherClientConfig, WeatherError, type WeatherClientConfig } from "../../../src/domain/crews/weather.ts";
import { fetchNws } from "../../../src/domain/crews/weather-nws.ts";
import { fetchOpenMeteo } from "../../../src/domain/crews/weather-open-meteo.ts";
import { parseConfig } from "../../../src/config.ts";
import { hoursFrom, startFakeWeather } from "./weather-fake.ts";

const fake = startFakeWeather();
afterAll(() => fake.stop());

const cfg = (over: Record<string, string> = {}): WeatherClientConfig =>
  weatherClientConfig(parseConfig({ NODE_ENV: "test", NWS_BASE_URL: fake.url, OPEN_METEO_BASE_URL: fake.url, NWS_USER_AGENT: "Steward (ops@example.com)", WEATHER_TIMEOUT_MS: "300", ...over }));

beforeEach(() => {
  fake.requests.length = 0;
  fake.mode = "ok";
  fake.hourlyUrl = null;
  fake.alerts = [];
  fake.hours = hoursFrom("2031-06-10T12:00:00Z", 4, (i) => ({ tempF: 70 + i, precip: 20 * i, windMph: 10 + i, humidity: 40 + i }));
});

async function failure(p: Promise<unknown>): Promise<WeatherError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WeatherError) return err;
    throw err;
  }
  throw new Error("expected a WeatherError");
}

describe("the National Weather Service client", () => {
  test("looks up the point, follows forecastHourly and reads the alerts, sending the configured User-Agent every time", async () => {
    fake.alerts = [{ event: "Severe Thunderstorm Warning", headline: "Severe Thunderstorm Warning until 3:00 PM MDT", severity: "Severe", onset: "2031-06-10T13:00:00-06:00", ends: "2031-06-10T15:00:00-06:00" }];
    const f = await fetchNws(cfg(), "39.74,-104.99");
    // The points lookup first; then the forecast and the alerts, in parallel (either may arrive first).
    expect(fake.requests[0]!.path).toBe("/points/39.74,-104.99");
    expect(fake.requests.map((r) => r.path).sort()).toEqual(["/alerts/active", "/gridpoints/BOU/62,60/forecast/hourly", "/points/39.74,-104.99"]);
    expect(fake.requests.find((r) => r.path === "/alerts/active")!.query.get("point")).toBe("39.74,-104.99");
    expect(fake.requests.every((r) => r.userAgent === "Steward (ops@example.com)")).toBe(true);
    expect(fake.requests[0]!.accept).toBe("application/geo+json");
    expect(f.hourly).toEqual([
      { at: "2031-06-10T12:00:00.000Z", tempF: 70, precipProbability: 0, windMph: 10, humidity: 40 },
      // "6 to 11 mph": the higher end counts.
      { at: "2031-06-10T13:00:00.000Z", tempF: 71, precipProbability: 20, windMph: 11, humidity: 41 },
      { at: "2031-06-10T14:00:00.000Z", tempF: 72, precipProbability: 40, windMph: 12, humidity: 42 },
      { at: "2031-06-10T15:00:00.000Z", tempF: 73, precipProbability: 60, windMph: 13, humidity: 43 },
    ]);
    expect(f.alerts).toEqual([{ event: "Severe Thunderstorm Warning", headline: "Severe Thunderstorm Warning until 3:00 PM MDT", severity: "Severe", onset: "2031-06-10T19:00:00.000Z", ends: "2031-06-10T21:00:00.000Z" }]);
  });

  test("a 404 problem+json (a point outside the US) becomes a WeatherError with the problem's title and detail", async () => {
    fake.mode = "nws-404";
    const err = await failure(fetchNws(cfg(), "51.50,-0.13"));
    expect(err.kind).toBe("http");
    expect(err.status).toBe(404);
    expect(err.message).toContain("Data Unavailable For Requested Point");
    expect(err.message).toContain("Unable to provide data for requested point");
  });

  test("a 500 problem+json becomes a WeatherError, and nothing past the failing request is asked", async () => {
    fake.mode = "nws-500";
    const err = await failure(fetchNws(cfg(), "39.74,-104.99"));
    expect(err.status).toBe(500);
    expect(err.message).toContain("Unexpected Problem");
    expect(fake.requests).toHaveLength(1);
  });

  test("a server that does not answer in time gives a timeout error, not a hang", async () => {
    fake.mode = "hang";
    const err = await failure(fetchNws(cfg({ WEATHER_TIMEOUT_MS: "150" }), "39.74,-104.99"));
    expect(err.kind).toBe("timeout");
  });

  test("P21 a forecastHourly URL on another host is not followed", async () => {
    fake.hourlyUrl = "https://elsewhere.example/gridpoints/X/1,1/forecast/hourly";
    const err = await failure(fetchNws(cfg(), "39.74,-104.99"));
    expect(err.kind).toBe("format");
    expect(fake.requests.map((r) => r.path)).toEqual(["/points/39.74,-104.99"]);
  });

  test("NWS insists on a User-Agent: without ours the fake refuses with 403, as the real API does", async () => {
    const res = await fetch(`${fake.url}/points/39.74,-104.99`);
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("the Open-Meteo client", () => {
  test("asks for the four hourly variables in °F and mph over the given days and reads the parallel arrays", async () => {
    const f = await fetchOpenMeteo(cfg(), "39.74,-104.99", "2031-06-10", "2031-06-10");
    expect(fake.requests).toHaveLength(1);
    const q = fake.requests[0]!.query;
    expect(fake.requests[0]!.path).toBe("/v1/forecast");
    expect(q.get("latitude")).toBe("39.74");
    expect(q.get("longitude")).toBe("-104.99");
    expect(q.get("hourly")).toBe("temperature_2m,precipitation_probability,wind_speed_10m,relative_humidity_2m");
    expect(q.get("temperature_unit")).toBe("fahrenheit");
    expect(q.get("wind_speed_unit")).toBe("mph");
    expect(q.get("start_date")).toBe("2031-06-10");
    expect(q.has("apikey")).toBe(false);
    expect(f.alerts).toEqual([]);
    expect(f.hourly[3]).toEqual({ at: "2031-06-10T15:00:00.000Z", tempF: 73, precipProbability: 60, windMph: 13, humidity: 43 });
  });

  test("with an API key (the commercial customer host) it sends the apikey parameter", async () => {
    await fetchOpenMeteo(cfg({ OPEN_METEO_API_KEY: "k-123" }), "39.74,-104.99", "2031-06-10", "2031-06-10");
    expect(fake.requests[0]!.query.get("apikey")).toBe("k-123");
  });

  test("a 400 {error: true, reason} becomes a WeatherError carrying the reason", async () => {
    fake.mode = "om-400";
    const err = await failure(fetchOpenMeteo(cfg(), "39.74,-104.99", "2031-06-10", "2031-06-10"));
    expect(err.status).toBe(400);
    expect(err.message).toContain("Cannot initialize ForecastVariable");
  });

  test("a server that does not answer in time gives a timeout error", async () => {
    fake.mode = "hang";
    const err = await failure(fetchOpenMeteo(cfg({ WEATHER_TIMEOUT_MS: "150" }), "39.74,-104.99", "2031-06-10", "2031-06-10"));
    expect(err.kind).toBe("timeout");
  });
});
