import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { queuePourWeatherChecks } from "../../../src/domain/crews/pour-weather.ts";
import { zonedInstant } from "../../../src/domain/crews/pour-times.ts";
import { weatherClientConfig } from "../../../src/domain/crews/weather.ts";
import { createTaskList } from "../../../src/jobs/index.ts";
import { crewPourWeatherCheck } from "../../../src/jobs/crews/pour-weather.ts";
import { Client, testApp, testConfig } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { jobDeps, runDueJobs } from "../../support/jobs.ts";
import { hoursFrom, startFakeWeather } from "../../domain/crews/weather-fake.ts";
import { day, NOW, postPour, pourWorld, TOMORROW } from "./pour-fixture.ts";

const t = useTestDatabase();
const fake = startFakeWeather();
afterAll(() => fake.stop());

const env = () => ({ NWS_BASE_URL: fake.url, OPEN_METEO_BASE_URL: fake.url, NWS_USER_AGENT: "Steward test (ops@example.com)", WEATHER_TIMEOUT_MS: "500" });
const appAt = (now: Date) => testApp({ db: t.db, now: () => now, env: env() });
/** The same signed-in browser, against the app with a later clock. */
function later(client: Client, now: Date): Client {
  const c = new Client(appAt(now), { ip: client.ip });
  for (const [k, v] of client.cookies) c.cookies.set(k, v);
  return c;
}

// Tomorrow from midnight in Denver, 36 hours; rain likely at 10:00 (3 hours after a 07:00 start).
const tomorrowHours = () => hoursFrom(zonedInstant(TOMORROW, 0, "America/Denver").toISOString(), 36, (i) => (i === 10 ? { precip: 70 } : {}));

beforeEach(() => {
  fake.requests.length = 0;
  fake.mode = "ok";
  fake.alerts = [];
  fake.hours = tomorrowHours();
});

describe("weather on a pour's page", () => {
  test("P21 with no weather provider chosen, a pour page makes no outbound request at all", async () => {
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "none" });
    const id = await postPour(w);
    const html = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(html).toContain("No weather provider is chosen");
    const w2 = await pourWorld(t, app); // no crew_settings row at all: the default is none too
    const id2 = await postPour(w2);
    expect((await w2.account.client.get(`${w2.base}/${id2}`)).status).toBe(200);
    expect(fake.requests).toEqual([]);
  });

  test("with the NWS, the page shows the window's hours and flags; a second view reuses the cache (no request); after 3 hours it refetches", async () => {
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "nws" });
    const id = await postPour(w);
    const html = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(html).toContain("No-go flags");
    expect(html).toContain("Rain: precipitation probability 50 % or more");
    expect(html).toContain("<td>10:00</td>");
    expect(html).not.toContain("<td>00:00</td>"); // 7 hours before the start: outside the window
    expect(fake.requests.map((r) => r.path).sort()).toEqual(["/alerts/active", "/gridpoints/BOU/62,60/forecast/hourly", "/points/39.74,-104.99"]);
    expect(fake.requests.every((r) => r.userAgent === "Steward test (ops@example.com)")).toBe(true);
    fake.requests.length = 0;
    await w.account.client.get(`${w.base}/${id}`);
    expect(fake.requests).toEqual([]);
    await later(w.account.client, new Date(NOW.getTime() + 3 * 3_600_000 + 60_000)).get(`${w.base}/${id}`);
    expect(fake.requests.map((r) => r.path)[0]).toBe("/points/39.74,-104.99");
  });

  test("P21 with Open-Meteo chosen, only Open-Meteo is asked; an alert-free clear window shows no flags", async () => {
    fake.hours = hoursFrom(zonedInstant(TOMORROW, 0, "America/Denver").toISOString(), 36);
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "open-meteo", units: "metric" });
    const id = await postPour(w);
    const html = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(html).toContain("No flags in the window");
    expect(html).toContain("18 °C"); // 65 °F shown in the workspace's units
    expect(fake.requests.map((r) => r.path)).toEqual(["/v1/forecast"]);
  });

  test("a provider error shows its message on the page (200, not a 500); a cached forecast is then shown as stale", async () => {
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "nws" });
    const id = await postPour(w);
    fake.mode = "nws-404";
    let html = await (await w.account.client.get(`${w.base}/${id}`)).text();
    expect(html).toContain("The forecast could not be fetched");
    expect(html).toContain("Data Unavailable For Requested Point");
    fake.mode = "ok";
    await w.account.client.get(`${w.base}/${id}`);
    fake.mode = "nws-500";
    const res = await later(w.account.client, new Date(NOW.getTime() + 4 * 3_600_000)).get(`${w.base}/${id}`);
    expect(res.status).toBe(200);
    html = await res.text();
    expect(html).toContain("the latest fetch failed");
    expect(html).toContain("No-go flags");
  });

  test("pours beyond the provider's horizon ask nothing", async () => {
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "nws" });
    const id = await postPour(w, { day: day(30) });
    expect(await (await w.account.client.get(`${w.base}/${id}`)).text()).toContain("The forecast reaches 7 days ahead");
    expect(fake.requests).toEqual([]);
  });
});

describe("the daily weather re-check", () => {
  test("P19 it emails the project manager once per pour, day and flag set; a new flag sends an update; workspaces without a provider are not checked", async () => {
    const app = appAt(NOW);
    const w = await pourWorld(t, app, { provider: "nws" });
    const quiet = await pourWorld(t, app, { provider: "none" });
    const id = await postPour(w);
    await postPour(quiet);
    const deps = jobDeps(t, { now: () => NOW });
    const tasks = { ...createTaskList(deps), "crew-pour-weather-check": crewPourWeatherCheck(deps, { weather: weatherClientConfig(testConfig(env())), publicUrl: "http://localhost:3000" }) };
    const mail = async () =>
      [...(await t.su<{ idempotency_key: string; to_address: string; subject: string; text_body: string }[]>`
        select idempotency_key, to_address, subject, text_body from emails where idempotency_key like ${`pour-weather:${id}:%`} order by created_at`)];

    const queued = await queuePourWeatherChecks(t.db, NOW);
    expect(queued).toContain(w.account.tenantId);
    expect(queued).not.toContain(quiet.account.tenantId);
    await runDueJobs(t, deps, tasks);
    let sent = await mail();
    expect(sent.map((m) => m.idempotency_key)).toEqual([`pour-weather:${id}:${TOMORROW}:rain`]);
    expect(sent[0]!.to_address).toBe(w.account.user.email);
    expect(sent[0]!.text_body).toContain("Rain: precipitation probability 50 % or more");
    expect(sent[0]!.text_body).toContain(`http://localhost:3000/t/${w.account.slug}/crews/pours/${id}`);

    // Run again (same day, same flags): nothing new.
    await t.su`delete from crew_weather_cache`;
    await queuePourWeatherChecks(t.db, new Date(NOW.getTime() + 60_000));
    await runDueJobs(t, deps, tasks);
    expect(await mail()).toHaveLength(1);

    // The wind picks up: a second email for the new flag set.
    fake.hours = hoursFrom(zonedInstant(TOMORROW, 0, "America/Denver").toISOString(), 36, (i) => (i === 10 ? { precip: 70 } : i === 8 ? { windMph: 40, humidity: 95 } : {}));
    await t.su`delete from crew_weather_cache`;
    await t.su`select graphile_worker.add_job('crew-pour-weather-check', json_build_object('tenantId', ${w.account.tenantId}::text, 'day', ${TOMORROW}::text))`;
    await runDueJobs(t, deps, tasks);
    sent = await mail();
    expect(sent.map((m) => m.idempotency_key)).toEqual([`pour-weather:${id}:${TOMORROW}:rain`, `pour-weather:${id}:${TOMORROW}:rain+wind`]);
  });
});
