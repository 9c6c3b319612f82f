// A local HTTP server that answers like api.weather.gov and api.open-meteo.com, in their documented formats and
// error shapes, and records every request it gets. Tests point the real clients at it.

export interface FakeRequest {
  path: string;
  query: URLSearchParams;
  userAgent: string | null;
  accept: string | null;
}

export type FakeMode = "ok" | "nws-404" | "nws-500" | "om-400" | "hang";

export interface FakeHour {
  at: string;
  tempF: number;
  precip: number;
  windMph: number;
  humidity: number;
}

export interface FakeWeather {
  url: string;
  requests: FakeRequest[];
  mode: FakeMode;
  /** The hours both providers answer with. */
  hours: FakeHour[];
  alerts: { event: string; headline: string; severity: string; onset: string; ends: string }[];
  /** Where the points answer sends the client for the hourly forecast (default: this server). */
  hourlyUrl: string | null;
  stop(): Promise<void>;
}

const problem = (status: number, title: string, detail: string) =>
  new Response(JSON.stringify({ correlationId: "1a2b3c", title, type: "https://api.weather.gov/problems/" + title.replaceAll(" ", ""), status, detail, instance: "https://api.weather.gov/requests/1a2b3c" }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

/** Hours from a start, one an hour, with the same values unless a function says otherwise. */
export function hoursFrom(start: string, n: number, values: Partial<Omit<FakeHour, "at">> | ((i: number) => Partial<Omit<FakeHour, "at">>) = {}): FakeHour[] {
  const t0 = Date.parse(start);
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(t0 + i * 3_600_000).toISOString(),
    tempF: 65,
    precip: 10,
    windMph: 5,
    humidity: 60,
    ...(typeof values === "function" ? values(i) : values),
  }));
}

export function startFakeWeather(): FakeWeather {
  const hangs: (() => void)[] = [];
  const state: FakeWeather = {
    url: "",
    requests: [],
    mode: "ok",
    hours: [],
    alerts: [],
    hourlyUrl: null,
    stop: async () => {
      for (const h of hangs) h();
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const url = new URL(req.url);
      state.requests.push({ path: url.pathname, query: url.searchParams, userAgent: req.headers.get("user-agent"), accept: req.headers.get("accept") });
      if (state.mode === "hang") return new Promise<Response>((resolve) => hangs.push(() => resolve(new Response("late"))));
      const nws = url.pathname.startsWith("/points/") || url.pathname.startsWith("/gridpoints/") || url.pathname.startsWith("/alerts/");
      if (nws) {
        // NWS refuses clients without a User-Agent.
        const ua = req.headers.get("user-agent");
        if (!ua || /^Bun\//.test(ua)) return problem(403, "Forbidden", "A User-Agent header identifying the application is required.");
        if (state.mode === "nws-500") return problem(500, "Unexpected Problem", "An unexpected problem has occurred.");
        if (url.pathname.startsWith("/points/")) {
          if (state.mode === "nws-404") return problem(404, "Data Unavailable For Requested Point", "Unable to provide data for requested point 51.5,-0.13");
          return Response.json(
            { "@context": [], id: `${state.url}${url.pathname}`, type: "Feature", properties: { gridId: "BOU", gridX: 62, gridY: 60, forecast: `${state.url}/gridpoints/BOU/62,60/forecast`, forecastHourly: state.hourlyUrl ?? `${state.url}/gridpoints/BOU/62,60/forecast/hourly` } },
            { headers: { "content-type": "application/geo+json" } },
          );
        }
        if (url.pathname === "/gridpoints/BOU/62,60/forecast/hourly") {
          const periods = state.hours.map((h, i) => ({
            number: i + 1,
            name: "",
            startTime: h.at,
            endTime: new Date(Date.parse(h.at) + 3_600_000).toISOString(),
            isDaytime: true,
            temperature: h.tempF,
            temperatureUnit: "F",
            temperatureTrend: "",
            probabilityOfPrecipitation: { unitCode: "wmoUnit:percent", value: h.precip },
            dewpoint: { unitCode: "wmoUnit:degC", value: 5 },
            relativeHumidity: { unitCode: "wmoUnit:percent", value: h.humidity },
            windSpeed: i % 2 ? `${Math.max(0, h.windMph - 5)} to ${h.windMph} mph` : `${h.windMph} mph`,
            windDirection: "NW",
            shortForecast: "Sunny",
          }));
          return Response.json({ type: "Feature", properties: { units: "us", forecastGenerator: "HourlyForecastGenerator", periods } }, { headers: { "content-type": "application/geo+json" } });
        }
        if (url.pathname === "/alerts/active") {
          return Response.json(
            { type: "FeatureCollection", features: state.alerts.map((a, i) => ({ id: `urn:oid:${i}`, type: "Feature", geometry: null, properties: { id: `urn:oid:${i}`, ...a, expires: a.ends } })), title: "Current watches, warnings, and advisories" },
            { headers: { "content-type": "application/geo+json" } },
          );
        }
        return problem(404, "Not Found", "The requested resource was not found.");
      }
      if (url.pathname === "/v1/forecast") {
        const hourly = url.searchParams.get("hourly") ?? "";
        if (state.mode === "om-400" || hourly.split(",").some((v) => !["temperature_2m", "precipitation_probability", "wind_speed_10m", "relative_humidity_2m"].includes(v))) {
          return Response.json({ error: true, reason: "Cannot initialize ForecastVariable from invalid String value tempXYZ for key hourly" }, { status: 400 });
        }
        const from = url.searchParams.get("start_date") ?? "0000-01-01";
        const to = url.searchParams.get("end_date") ?? "9999-12-31";
        const hours = state.hours.filter((h) => h.at.slice(0, 10) >= from && h.at.slice(0, 10) <= to);
        return Response.json({
          latitude: Number(url.searchParams.get("latitude")),
          longitude: Number(url.searchParams.get("longitude")),
          generationtime_ms: 0.1,
          utc_offset_seconds: 0,
          timezone: "GMT",
          timezone_abbreviation: "GMT",
          elevation: 1600,
          hourly_units: { time: "unixtime", temperature_2m: "°F", precipitation_probability: "%", wind_speed_10m: "mp/h", relative_humidity_2m: "%" },
          hourly: {
            time: hours.map((h) => Date.parse(h.at) / 1000),
            temperature_2m: hours.map((h) => h.tempF),
            precipitation_probability: hours.map((h) => h.precip),
            wind_speed_10m: hours.map((h) => h.windMph),
            relative_humidity_2m: hours.map((h) => h.humidity),
          },
        });
      }
      return new Response("not found", { status: 404 });
    },
  });
  state.url = `http://127.0.0.1:${server.port}`;
  return state;
}
