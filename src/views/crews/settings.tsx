import { DEFAULT_RULES, PROVIDER_LABELS, WEATHER_PROVIDERS } from "../../domain/crews/settings.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Checkbox, Select } from "../crm/fields.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { CrewsNav, crewsBase, type InWorkspace } from "./nav.tsx";

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].map((label, i) => ({ value: String(i + 1), label }));

export function CrewSettingsPage({ user, values, errors, canManage, timeZone, flash }: { user: InWorkspace; values: Record<string, string>; errors?: FieldErrors; canManage: boolean; timeZone: string; flash?: Flash | null }) {
  const d = DEFAULT_RULES;
  return (
    <Layout title="Crews settings" user={user} flash={flash}>
      <CrewsNav slug={user.workspace.slug} current="settings" />
      <h1>Crews settings</h1>
      {!canManage && <p class="hint">Only owners and admins can change these settings.</p>}
      <form method="post" action={`${crewsBase(user.workspace.slug)}/settings`} class="form" novalidate>
        <FormErrors errors={errors} />
        <fieldset disabled={!canManage}>
          <legend>Schedule distribution</legend>
          <p class="hint">Each week at this time, everyone with an email gets their assignments for the next week, and each foreman their crew's.</p>
          <Select name="distribution_weekday" label="Day" options={DAYS} value={values.distribution_weekday} errors={errors} />
          <Field name="distribution_time" label="Time" type="time" value={values.distribution_time} errors={errors} hint={`24-hour, in the workspace's time zone (${timeZone}).`} />
        </fieldset>
        <fieldset disabled={!canManage}>
          <legend>Weather</legend>
          <Select name="weather_provider" label="Forecast provider" options={WEATHER_PROVIDERS.map((p) => ({ value: p, label: PROVIDER_LABELS[p] }))} value={values.weather_provider} errors={errors} hint="The National Weather Service covers the United States only. Open-Meteo's free host is for non-commercial use." />
          <p class="hint">A pour hour is flagged (no-go) when any threshold below is crossed. Defaults: air temperature at or below {d.minTempF} °F (cold-weather concreting, ACI 306) or above {d.maxTempF} °F, precipitation probability of {d.maxPrecipPercent} % or more, wind above {d.maxWindMph} mph, evaporation rate of {d.maxEvaporation} lb/ft²/h or more (ACI 305), any active weather alert.</p>
          <div class="grid">
            <Field name="min_temp_f" label="Minimum air temperature (°F)" value={values.min_temp_f} errors={errors} inputmode="numeric" maxlength={5} hint="Flag at or below." />
            <Field name="max_temp_f" label="Maximum air temperature (°F)" value={values.max_temp_f} errors={errors} inputmode="numeric" maxlength={5} hint="Flag above." />
            <Field name="max_precip_percent" label="Precipitation probability (%)" value={values.max_precip_percent} errors={errors} inputmode="numeric" maxlength={3} hint="Flag at or above." />
            <Field name="max_wind_mph" label="Wind (mph)" value={values.max_wind_mph} errors={errors} inputmode="numeric" maxlength={4} hint="Flag above." />
            <Field name="max_evaporation" label="Evaporation rate (lb/ft²/h)" value={values.max_evaporation} errors={errors} inputmode="decimal" maxlength={8} hint="Flag at or above." />
          </div>
          <Checkbox name="alerts_block" label="An active weather alert is a no-go" checked={values.alerts_block === "1"} errors={errors} />
        </fieldset>
        {canManage && <button type="submit">Save settings</button>}
      </form>
    </Layout>
  );
}
