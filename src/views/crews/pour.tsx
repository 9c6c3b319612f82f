import type { CrewConflict } from "../../domain/crews/pour-conflicts.ts";
import { POUR_BLOCK_HOURS } from "../../domain/crews/pour-conflicts.ts";
import { localTime } from "../../domain/crews/pour-times.ts";
import type { PourWeatherView } from "../../domain/crews/pour-weather.ts";
import type { PourView } from "../../domain/crews/pours.ts";
import { PROVIDER_LABELS } from "../../domain/crews/settings.ts";
import { fToC, KMH_PER_MPH } from "../../domain/crews/weather.ts";
import { flagLabel, WINDOW_HOURS } from "../../domain/crews/weather-rules.ts";
import { shortDay } from "../../domain/crews/week.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Checkbox, Textarea } from "../crm/fields.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { CrewsNav, type InWorkspace } from "./nav.tsx";
import { poursBase, StatusBadge, volume } from "./pours.tsx";


export interface PourPageProps {
  user: InWorkspace;
  pour: PourView;
  canEdit: boolean;
  metric: boolean;
  conflicts: CrewConflict[];
  weather: PourWeatherView;
  /** Set when a confirmation was refused for conflicts: the list is shown with the "confirm anyway" box. */
  refused?: boolean;
  forms?: { which: "completion" | "cancellation"; values: Record<string, string>; errors: FieldErrors };
  flash?: Flash | null;
}

const names = (p: PourView, role: "placing" | "finishing") => p.crews.filter((c) => c.role === role);

export function PourPage(props: PourPageProps) {
  const { user, pour: p, canEdit } = props;
  const base = poursBase(user.workspace.slug);
  const open = p.status === "tentative" || p.status === "confirmed";
  const temp = props.metric ? "°C" : "°F";
  return (
    <Layout title={p.location} user={user} flash={props.flash}>
      <CrewsNav slug={user.workspace.slug} current="pours" />
      <p class="actions">
        <a href={base}>Lookahead</a>
        <a href={`${base}/days/${p.day}`}>All pours on {shortDay(p.day)}</a>
      </p>
      <h1>
        {p.location} <StatusBadge status={p.status} />
      </h1>
      {p.status_reason && <p>Reason: {p.status_reason}</p>}
      <dl class="plan-facts">
        <dt>Project</dt>
        <dd>{p.project_number ? `${p.project_number} · ${p.project_name}` : p.project_name}</dd>
        {p.project_address && (
          <>
            <dt>Address</dt>
            <dd>{p.project_address}</dd>
          </>
        )}
        <dt>When</dt>
        <dd>
          {shortDay(p.day)} {p.day.slice(0, 4)}, start {p.start_time}
        </dd>
        <dt>Volume</dt>
        <dd>{volume(p.volume, p.volume_unit)}</dd>
        {p.mix_design && (<><dt>Mix design</dt><dd>{p.mix_design}</dd></>)}
        {p.slump && (<><dt>Slump</dt><dd>{p.slump}</dd></>)}
        {(p.pump_type || p.pump_company) && (<><dt>Pump</dt><dd>{[p.pump_type, p.pump_company].filter(Boolean).join(", ")}</dd></>)}
        {p.supplier && (<><dt>Supplier</dt><dd>{p.supplier}</dd></>)}
        <dt>Placing crew</dt>
        <dd>{names(p, "placing").map((c) => `${c.name} (${c.trade})`).join(", ") || "Nobody yet"}</dd>
        <dt>Finishing crew</dt>
        <dd>{names(p, "finishing").map((c) => `${c.name} (${c.trade})`).join(", ") || "Nobody yet"}</dd>
        {p.confirmed_at && (<><dt>Confirmed</dt><dd>{p.confirmed_at.toISOString().slice(0, 16).replace("T", " ")} UTC</dd></>)}
      </dl>
      {p.notes && <p class="plain-text">{p.notes}</p>}
      {canEdit && open && (
        <p class="actions">
          <a class="button secondary" href={`${base}/${p.id}/edit`}>
            Change
          </a>
        </p>
      )}

      <WeatherSection w={props.weather} metric={props.metric} />

      {open && <Conflicts conflicts={props.conflicts} refused={props.refused} />}

      {canEdit && p.status === "tentative" && (
        <form method="post" action={`${base}/${p.id}/confirmation`} class="form">
          <h2>Confirm</h2>
          <p class="hint">Confirming emails the pour's details to every crew member with an email address and to the project's contacts.</p>
          {props.conflicts.length > 0 && <Checkbox name="anyway" label="Confirm anyway, despite the conflicts listed above" />}
          <button type="submit">Confirm the pour</button>
        </form>
      )}

      {p.log && (
        <section>
          <h2>Pour log</h2>
          <dl class="plan-facts">
            <dt>Actual volume</dt>
            <dd>{volume(p.log.actual_volume, p.log.volume_unit)}</dd>
            <dt>Start and end</dt>
            <dd>{[p.log.started_at ?? "?", p.log.ended_at ?? "?"].join(" – ")}</dd>
            <dt>Air temperature</dt>
            <dd>{p.log.air_temp === null ? "—" : `${p.log.air_temp} °${p.log.temp_unit}`}</dd>
            <dt>Concrete temperature</dt>
            <dd>{p.log.concrete_temp === null ? "—" : `${p.log.concrete_temp} °${p.log.temp_unit}`}</dd>
            <dt>Logged by</dt>
            <dd>{p.log.logged_by_name ?? "A former member"}</dd>
          </dl>
          {p.log.notes && <p class="plain-text">{p.log.notes}</p>}
        </section>
      )}

      {canEdit && p.status !== "cancelled" && p.status !== "weather_cancelled" && (
        <LogForm pour={p} temp={temp} form={props.forms?.which === "completion" ? props.forms : undefined} action={`${base}/${p.id}/completion`} />
      )}

      {canEdit && open && (
        <form method="post" action={`${base}/${p.id}/cancellation`} class="form" novalidate>
          <h2>Cancel</h2>
          <FormErrors errors={props.forms?.which === "cancellation" ? props.forms.errors : undefined} />
          <Textarea name="reason" label="Reason" value={props.forms?.which === "cancellation" ? props.forms.values.reason : ""} errors={props.forms?.which === "cancellation" ? props.forms.errors : undefined} maxlength={500} rows={2} required />
          <Checkbox name="weather" label="Cancelled for the weather" checked={props.forms?.which === "cancellation" && !!props.forms.values.weather} />
          <button type="submit">Cancel the pour</button>
        </form>
      )}

      {canEdit && (
        <form method="post" action={`${base}/${p.id}/deletion`} class="form">
          <button type="submit" class="secondary">
            Delete this pour
          </button>
        </form>
      )}
    </Layout>
  );
}

function LogForm({ pour, temp, form, action }: { pour: PourView; temp: string; form?: { values: Record<string, string>; errors: FieldErrors }; action: string }) {
  const l = pour.log;
  const v = form?.values ?? {
    actual_volume: l ? String(l.actual_volume) : "",
    started_at: l?.started_at ?? "",
    ended_at: l?.ended_at ?? "",
    air_temp: l?.air_temp == null ? "" : String(l.air_temp),
    concrete_temp: l?.concrete_temp == null ? "" : String(l.concrete_temp),
    notes: l?.notes ?? "",
  };
  const e = form?.errors;
  return (
    <form method="post" action={action} class="form" novalidate>
      <h2>{l ? "Correct the pour log" : "Log the pour (marks it poured)"}</h2>
      <FormErrors errors={e} />
      <div class="grid">
        <Field name="actual_volume" label={`Actual volume (${pour.volume_unit === "m3" ? "m³" : "yd³"})`} value={v.actual_volume} errors={e} inputmode="decimal" maxlength={12} />
        <Field name="started_at" label="Started" type="time" value={v.started_at} errors={e} required={false} />
        <Field name="ended_at" label="Ended" type="time" value={v.ended_at} errors={e} required={false} />
        <Field name="air_temp" label={`Air temperature (${temp})`} value={v.air_temp} errors={e} required={false} inputmode="decimal" maxlength={8} />
        <Field name="concrete_temp" label={`Concrete temperature (${temp})`} value={v.concrete_temp} errors={e} required={false} inputmode="decimal" maxlength={8} />
      </div>
      <Textarea name="notes" label="Notes" value={v.notes} errors={e} maxlength={2000} />
      <button type="submit">{l ? "Save the log" : "Log as poured"}</button>
    </form>
  );
}

function Conflicts({ conflicts, refused }: { conflicts: CrewConflict[]; refused?: boolean }) {
  return (
    <section>
      <h2>Crew conflicts</h2>
      {conflicts.length === 0 ? (
        <p>None: nobody on the crews is scheduled elsewhere, away, or on another confirmed pour that day.</p>
      ) : (
        <>
          {refused && (
            <div class="flash bad" role="alert">
              Not confirmed: some of the crew are not free. Tick "Confirm anyway" to confirm regardless, or change the crews.
            </div>
          )}
          <ul>
            {conflicts.map((c) => (
              <li>
                {c.name}: {c.detail}
              </li>
            ))}
          </ul>
          <p class="hint">Another confirmed pour conflicts when it starts within {POUR_BLOCK_HOURS} hours of this one.</p>
        </>
      )}
    </section>
  );
}

function WeatherSection({ w, metric }: { w: PourWeatherView; metric: boolean }) {
  const f = w.forecast;
  const t = (v: number | null) => (v === null ? "—" : metric ? `${Math.round(fToC(v))} °C` : `${Math.round(v)} °F`);
  const wind = (v: number | null) => (v === null ? "—" : metric ? `${Math.round(v * KMH_PER_MPH)} km/h` : `${Math.round(v)} mph`);
  return (
    <section>
      <h2>Weather (±{WINDOW_HOURS} hours around the start)</h2>
      {!f ? (
        <p>No weather provider is chosen for this workspace (crews settings), so no forecast is fetched.</p>
      ) : f.status === "unavailable" || f.status === "error" ? (
        <p>
          {f.status === "error" ? "The forecast could not be fetched: " : ""}
          {f.message}
        </p>
      ) : !("fetchedAt" in f) ? null : (
        <>
          <p class="hint">
            {PROVIDER_LABELS[w.provider]}, fetched {localTime(f.fetchedAt, w.timeZone)}
            {f.status === "stale" ? ` (the latest fetch failed: ${f.message})` : ""}.
          </p>
          {w.rating && w.rating.flags.length > 0 ? (
            <div class="flash bad" role="alert">
              <p>No-go flags:</p>
              <ul>
                {w.rating.flags.map((fl) => (
                  <li>{flagLabel(fl, w.rules)}</li>
                ))}
              </ul>
            </div>
          ) : (
            w.rating && w.rating.hours.length > 0 && <p class="badge ok">No flags in the window</p>
          )}
          {w.rating?.alerts.map((a) => (
            <p>
              Alert: {a.event}
              {a.headline ? ` — ${a.headline}` : ""}
            </p>
          ))}
          {w.rating && w.rating.hours.length > 0 ? (
            <div class="table-wrap" tabindex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Hour</th>
                    <th scope="col">Air</th>
                    <th scope="col">Rain</th>
                    <th scope="col">Wind</th>
                    <th scope="col">Humidity</th>
                    <th scope="col">Evaporation (lb/ft²/h)</th>
                    <th scope="col">Flags</th>
                  </tr>
                </thead>
                <tbody>
                  {w.rating.hours.map((h) => (
                    <tr>
                      <td>{localTime(h.at, w.timeZone)}</td>
                      <td>{t(h.tempF)}</td>
                      <td>{h.precipProbability === null ? "—" : `${h.precipProbability} %`}</td>
                      <td>{wind(h.windMph)}</td>
                      <td>{h.humidity === null ? "—" : `${h.humidity} %`}</td>
                      <td>{h.evaporation === null ? "—" : h.evaporation.toFixed(2)}</td>
                      <td>{h.flags.join(", ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>The forecast has no hours in this pour's window yet.</p>
          )}
        </>
      )}
    </section>
  );
}
