import { sql } from "kysely";
import { inTransaction, systemCtx, type Ctx } from "../context.ts";
import type { DB, Db } from "../db.ts";
import { enqueue } from "../queue.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { pourWeatherEmail } from "./pour-emails.ts";
import { pourStart } from "./pour-times.ts";
import { getPour, type PourView } from "./pours.ts";
import { rulesWithDefaults, type GoNoGoRules } from "./settings.ts";
import type { WeatherProvider } from "./tables.ts";
import { cToF, type WeatherClientConfig } from "./weather.ts";
import { purgeOldForecasts, siteForecast, type SiteForecast } from "./weather-forecast.ts";
import { flagLabel, ratePour, type PourWeather } from "./weather-rules.ts";
import { addDays, localDate } from "./week.ts";

// Weather on pours: the forecast and go/no-go flags of one pour's window (its page), and the daily re-check of
// the next day's pours that emails the project manager when a flag appears (issue 7, item 6).

export interface PourWeatherView {
  provider: WeatherProvider;
  rules: GoNoGoRules;
  forecast: SiteForecast | null;
  rating: PourWeather | null;
  timeZone: string;
}

interface Setup {
  provider: WeatherProvider;
  rules: GoNoGoRules;
  timeZone: string;
}

async function setup(tx: Ctx): Promise<Setup> {
  const row = await tx.db
    .selectFrom("tenants")
    .leftJoin("crew_settings as s", "s.tenant_id", "tenants.id")
    .select(["tenants.time_zone", "s.weather_provider", "s.weather_rules"])
    .where("tenants.id", "=", tx.tenantId!)
    .executeTakeFirstOrThrow();
  return { provider: row.weather_provider ?? "none", rules: rulesWithDefaults(row.weather_rules ?? null), timeZone: row.time_zone };
}

/** A logged concrete temperature in °F (the rules' unit), if there is one. */
const concreteF = (p: PourView) => (p.log?.concrete_temp == null ? null : p.log.temp_unit === "C" ? cToF(p.log.concrete_temp) : p.log.concrete_temp);

async function rate(ctx: Ctx, cfg: WeatherClientConfig, pour: PourView, s: Setup): Promise<PourWeatherView> {
  const forecast = await siteForecast(ctx, cfg, { provider: s.provider, latitude: pour.latitude, longitude: pour.longitude, day: pour.day, timeZone: s.timeZone });
  const rating = forecast && (forecast.status === "ok" || forecast.status === "stale") ? ratePour(forecast.hourly, forecast.alerts, pourStart(pour, s.timeZone), s.rules, concreteF(pour)) : null;
  return { provider: s.provider, rules: s.rules, forecast, rating, timeZone: s.timeZone };
}

/** The weather of a pour's window for its page. With no provider chosen, nothing is requested (P21). */
export async function pourWeather(ctx: Ctx, cfg: WeatherClientConfig, pour: PourView): Promise<PourWeatherView> {
  const s = await inTransaction(ctx, setup);
  return rate(ctx, cfg, pour, s);
}

/**
 * The cron fan-out: one check job per workspace that has a weather provider and open pours on its tomorrow
 * (each in its own time zone). The owner lists the active workspaces (crew tables are closed to it by forced
 * row-level security); each is then looked at as the app role pinned to it. The job key keeps one job per
 * workspace and day.
 */
export async function queuePourWeatherChecks(db: Pick<Db, "owner" | "app">, now: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string; time_zone: string }>`select id, time_zone from tenants where status = 'active' order by id`.execute(db.owner);
  const queued: string[] = [];
  for (const t of rows) {
    const tomorrow = addDays(localDate(now, t.time_zone), 1);
    const due = await inTransaction(systemCtx(db.app, now, t.id), async (tx) => {
      const r = await sql<{ due: boolean }>`
        select exists (select 1 from crew_settings s where s.tenant_id = ${t.id} and s.weather_provider <> 'none')
          and exists (select 1 from crew_pours p where p.tenant_id = ${t.id} and p.day = ${tomorrow}::date and p.status in ('tentative', 'confirmed')) as due`.execute(tx.db);
      if (!r.rows[0]?.due) return false;
      await enqueue(tx, "crew-pour-weather-check", { tenantId: t.id, day: tomorrow }, { jobKey: `crew-pour-weather:${t.id}:${tomorrow}`, maxAttempts: 5 });
      return true;
    });
    if (due) queued.push(t.id);
  }
  return queued;
}

export interface WeatherCheckResult {
  checked: number;
  flagged: number;
  emailed: number;
}

/**
 * Re-checks one workspace's open pours of a day and emails each project's manager about every pour with flags.
 * Idempotent per pour, day and flag set: a rerun sends nothing new, a new flag (or one gone) sends an update.
 * The forecast requests run outside transactions; each pour's email is queued in its own short one.
 */
export async function checkPourWeather(db: DB, tenantId: string, day: string, now: Date, cfg: WeatherClientConfig, publicUrl: string): Promise<WeatherCheckResult> {
  const ctx = systemCtx(db, now, tenantId);
  const s = await inTransaction(ctx, setup);
  const result: WeatherCheckResult = { checked: 0, flagged: 0, emailed: 0 };
  if (s.provider === "none") return result;
  await purgeOldForecasts(ctx, localDate(now, s.timeZone));
  const slug = await inTransaction(ctx, async (tx) => (await tx.db.selectFrom("tenants").select("slug").where("id", "=", tenantId).executeTakeFirstOrThrow()).slug);
  const ids = await inTransaction(ctx, (tx) =>
    tx.db.selectFrom("crew_pours").select("id").where("tenant_id", "=", tenantId).where("day", "=", day).where("status", "in", ["tentative", "confirmed"]).orderBy("start_time").orderBy("id").limit(500).execute(),
  );
  for (const { id } of ids) {
    const pour = await getPourAsSystem(ctx, id);
    if (!pour) continue;
    result.checked++;
    const w = await rate(ctx, cfg, pour, s);
    if (!w.rating || w.rating.flags.length === 0) continue;
    result.flagged++;
    if (!pour.manager_id) continue;
    const flags = w.rating.flags.map((flag) => ({ flag, label: flagLabel(flag, s.rules) }));
    const sent = await inTransaction(ctx, async (tx) => {
      // Only a current member hears about the workspace's pours.
      const manager = await tx.db
        .selectFrom("memberships as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .select("u.email")
        .where("m.tenant_id", "=", tenantId)
        .where("m.user_id", "=", pour.manager_id!)
        .executeTakeFirst();
      if (!manager) return false;
      const mail = pourWeatherEmail(pour, flags, `${publicUrl}/t/${slug}/crews/pours/${pour.id}`);
      return sendEmailLater(tx, `pour-weather:${pour.id}:${day}:${w.rating!.flags.join("+")}`, { to: manager.email, ...mail });
    });
    if (sent) result.emailed++;
  }
  return result;
}

/** getPour needs a reader's permission; the job acts for the workspace itself. */
async function getPourAsSystem(ctx: Ctx, id: string): Promise<PourView | null> {
  try {
    return await getPour({ ...ctx, actor: { type: "system", id: null, role: "viewer" } }, id);
  } catch {
    return null;
  }
}
