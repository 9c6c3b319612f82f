import type { FieldErrors } from "../domain/errors.ts";
import type { LifecycleOverview } from "../domain/tenancy/lifecycle.ts";
import type { WorkspaceSettings } from "../domain/tenancy/settings.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";
import { Field, FormErrors, SlugField } from "./components.tsx";
import { Layout, type Flash } from "./layout.tsx";
import { LifecycleSection } from "./lifecycle.tsx";

type Values = Record<string, string>;

// ISO weekday order: option value n is WEEKDAYS[n - 1].
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const UNIT_LABELS: Record<string, string> = { metric: "Metric (km, kg, °C)", imperial: "Imperial (mi, lb, °F)" };

export interface SettingsPageProps {
  userName: string;
  membership: Membership;
  settings: WorkspaceSettings;
  canManage: boolean;
  /** Owners and admins may export the whole workspace (P13). */
  canExport?: boolean;
  /** Owners only: subscription, cancel and reactivate (P16, P20). */
  lifecycle?: LifecycleOverview;
  zones: readonly string[];
  values?: Values;
  errors?: FieldErrors;
  flash?: Flash | null;
}

export function settingsValues(s: WorkspaceSettings): Values {
  return { name: s.name, slug: s.slug, time_zone: s.time_zone, week_start: String(s.week_start), units: s.units };
}

export function SettingsPage(p: SettingsPageProps) {
  return (
    <Layout title="Workspace settings" user={{ name: p.userName, workspace: p.membership }} flash={p.flash}>
      <h1>Workspace settings</h1>
      {p.canManage ? (
        <SettingsForm slug={p.membership.slug} zones={p.zones} storedZone={p.settings.time_zone} values={p.values ?? settingsValues(p.settings)} errors={p.errors} />
      ) : (
        <SettingsReadOnly settings={p.settings} />
      )}
      <p>
        Email, SMS, WhatsApp and RCS from records: <a href={`/t/${p.membership.slug}/messaging/settings`}>messaging settings</a> and{" "}
        <a href={`/t/${p.membership.slug}/messaging/templates`}>templates</a>.
      </p>
      {p.canExport && (
        <section aria-labelledby="export-h">
          <h2 id="export-h">Take your data with you</h2>
          <p>
            Every record of this workspace, attachments included, as one JSON file: <a href={`/t/${p.membership.slug}/exports`}>export the whole workspace</a>.
          </p>
          <p>
            How long Steward keeps what, and when each clean-up last ran: <a href={`/t/${p.membership.slug}/privacy/retention`}>retention rules</a>.
          </p>
          <p>
            Tell your other systems about CRM changes: <a href={`/t/${p.membership.slug}/settings/webhooks`}>webhooks</a>.
          </p>
        </section>
      )}
      {p.canManage && (
        <p>
          Programs that use this workspace through the REST API: <a href={`/t/${p.membership.slug}/settings/api-keys`}>API keys</a>.
        </p>
      )}
      {p.lifecycle && <LifecycleSection slug={p.membership.slug} overview={p.lifecycle} />}
    </Layout>
  );
}

export function SettingsReadOnly({ settings: s }: { settings: WorkspaceSettings }) {
  return (
    <>
      <p class="lead">Only owners and admins can change these settings. Ask one of them if something needs changing.</p>
      <div class="table-wrap" tabindex={0}>
        <table>
          <tbody>
            <tr>
              <th scope="row">Name</th>
              <td>{s.name}</td>
            </tr>
            <tr>
              <th scope="row">Address</th>
              <td>
                <code>/t/{s.slug}</code>
              </td>
            </tr>
            <tr>
              <th scope="row">Time zone</th>
              <td>{s.time_zone}</td>
            </tr>
            <tr>
              <th scope="row">Week starts on</th>
              <td>{WEEKDAYS[s.week_start - 1]}</td>
            </tr>
            <tr>
              <th scope="row">Units</th>
              <td>{UNIT_LABELS[s.units]}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </>
  );
}

/**
 * The form posts to the current address; after a rename the route answers with a redirect to the new one.
 * Zones are grouped by region and each option's text is its value, which keeps ~450 options small on the wire.
 */
export function SettingsForm(props: { slug: string; zones: readonly string[]; storedZone: string; values: Values; errors?: FieldErrors }) {
  const { slug, zones, storedZone, values, errors } = props;
  return (
    <form method="post" action={`/t/${slug}/settings`} class="form" id="settings-form" novalidate>
      <FormErrors errors={errors} />
      <Field name="name" label="Workspace name" value={values.name} errors={errors} autocomplete="organization" maxlength={120} />
      <SlugField
        value={values.slug}
        errors={errors}
        hint="3 to 40 lowercase letters, digits or hyphens, as in /t/your-address. After a change, old links keep working for members for 30 days."
      />
      <Select name="time_zone" label="Time zone" errors={errors}>
        <ZoneOptions zones={zones} stored={storedZone} selected={values.time_zone} />
      </Select>
      <Select name="week_start" label="Week starts on" errors={errors}>
        {WEEKDAYS.map((day, i) => (
          <option value={String(i + 1)} selected={values.week_start === String(i + 1)}>
            {day}
          </option>
        ))}
      </Select>
      <Select name="units" label="Units" errors={errors}>
        {Object.entries(UNIT_LABELS).map(([value, label]) => (
          <option value={value} selected={values.units === value}>
            {label}
          </option>
        ))}
      </Select>
      <button type="submit">Save settings</button>
    </form>
  );
}

function Select({ name, label, errors, children }: { name: string; label: string; errors?: FieldErrors; children: unknown }) {
  const id = `f-${name}`;
  const error = errors?.[name];
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} name={name} aria-invalid={error ? "true" : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {children}
      </select>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function ZoneOptions({ zones, stored, selected }: { zones: readonly string[]; stored: string; selected?: string }) {
  const groups = new Map<string, string[]>();
  for (const z of zones) {
    const region = z.includes("/") ? z.slice(0, z.indexOf("/")) : "";
    const list = groups.get(region) ?? [];
    list.push(z);
    groups.set(region, list);
  }
  // A stored zone this runtime no longer lists still shows, so the form does not silently change it. A rejected
  // submitted value is not echoed as a choice: the stored zone stays selected next to the error.
  const unknown = !zones.includes(stored) ? stored : null;
  const chosen = selected === undefined || (selected !== stored && !zones.includes(selected)) ? stored : selected;
  const option = (z: string) => <option selected={z === chosen}>{z}</option>;
  return (
    <>
      {unknown && option(unknown)}
      {[...groups].map(([region, list]) => (region ? <optgroup label={region}>{list.map(option)}</optgroup> : list.map(option)))}
    </>
  );
}
