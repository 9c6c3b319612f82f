import type { CapacityImport } from "../../domain/capacity/imports.ts";
import { hhmm, SHRINKAGE_ROWS, WEEKDAYS, type Program } from "../../domain/capacity/programs.ts";
import type { HistorySummary } from "../../domain/capacity/volumes.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { Select } from "../crm/fields.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { capacityBase, CapacityNav, CHANNEL_LABELS, count, percent, programUrl, type InWorkspace } from "./home.tsx";
import { ImportList } from "./imports.tsx";

// A program's page (settings, history, links to its volumes and to planning) and its form.

export const WEEKDAY_NAMES = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const hours = (p: Program, d: number) => {
  const h = p.openingHours[d];
  return h ? `${hhmm(h.open)}–${hhmm(h.close)}` : "Closed";
};

export function ProgramPage({ user, program: p, history, imports, canEdit, flash }: { user: InWorkspace; program: Program; history: HistorySummary; imports: CapacityImport[]; canEdit: boolean; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const url = programUrl(slug, p.id);
  return (
    <Layout title={p.name} user={user} flash={flash}>
      <CapacityNav slug={slug} />
      <h1>{p.name}</h1>
      <dl class="record">
        <dt>Channel</dt>
        <dd>{CHANNEL_LABELS[p.channel]}</dd>
        <dt>Interval</dt>
        <dd>{p.intervalMinutes} minutes</dd>
        <dt>Service-level goal</dt>
        <dd>
          {percent(p.slTarget)} answered in {p.slSeconds} seconds
        </dd>
        <dt>ASA goal</dt>
        <dd>{p.asaGoalSeconds === null ? "None" : `${p.asaGoalSeconds} seconds`}</dd>
        <dt>Maximum occupancy</dt>
        <dd>{p.maxOccupancy === null ? "No cap" : percent(p.maxOccupancy)}</dd>
        <dt>Default AHT</dt>
        <dd>{p.defaultAhtSeconds} seconds</dd>
        <dt>Patience</dt>
        <dd>{p.patienceSeconds === null ? "Not set (Erlang C)" : `${p.patienceSeconds} seconds (Erlang A)`}</dd>
        <dt>Maximum abandon rate</dt>
        <dd>{p.maxAbandonRate === null ? "No cap" : percent(p.maxAbandonRate)}</dd>
        <dt>Opening hours</dt>
        <dd>
          {WEEKDAYS.map((d) => (
            <>
              {WEEKDAY_NAMES[d]!.slice(0, 3)} {hours(p, d)}
              <br />
            </>
          ))}
        </dd>
        <dt>Shrinkage</dt>
        <dd>
          {p.shrinkage.length === 0
            ? "None"
            : p.shrinkage.map((s) => (
                <>
                  {s.name}: {s.percent} %<br />
                </>
              ))}
          <strong>Total: {p.shrinkageTotal} %</strong>
        </dd>
      </dl>
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${url}/edit`}>
            Edit
          </a>
          <form method="post" action={`${url}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete program
            </button>
          </form>
        </div>
      )}
      <h2>Contact history</h2>
      {history.intervals === 0 ? (
        <p>No history yet.{canEdit ? " Import a CSV of past volumes to see it here and to forecast." : ""}</p>
      ) : (
        <p>
          {count(history.days)} days from {history.firstDay} to {history.lastDay}: {count(history.intervals)} intervals, {count(history.offered)} contacts offered.
        </p>
      )}
      <div class="actions">
        {history.intervals > 0 && <a href={`${url}/volumes`}>Heatmap and daily chart</a>}
        {canEdit && <a href={`${url}/imports`}>Import volumes (CSV)</a>}
      </div>
      {imports.length > 0 && <ImportList slug={slug} imports={imports} />}
      <section id="planning" aria-labelledby="planning-h">
        <h2 id="planning-h">Planning</h2>
        <p>Forecast this program from its history, turn the forecast into agents and FTE per week, and try what-ifs.</p>
        <div class="actions">
          <a href={`${url}/forecasts`}>Forecasts and plans</a>
          <a href={`${capacityBase(slug)}/leave`}>Planned leave</a>
          <a href={`${url}/metrics`}>Achieved service level (metrics)</a>
        </div>
      </section>
    </Layout>
  );
}

export interface ProgramFormProps {
  user: InWorkspace;
  program?: { id: string; name: string };
  values: Record<string, string>;
  errors?: FieldErrors;
}

function Message({ name, errors }: { name: string; errors?: FieldErrors }) {
  return (
    <div id={`f-${name}-msg`} aria-live="polite">
      {errors?.[name] && <FieldMessage id={`f-${name}`} message={errors[name]!} />}
    </div>
  );
}

function TimeInput({ name, label, values, errors }: { name: string; label: string; values: Record<string, string>; errors?: FieldErrors }) {
  return (
    <input
      id={`f-${name}`}
      name={name}
      value={values[name] ?? ""}
      aria-label={label}
      placeholder="HH:MM"
      maxlength={5}
      inputmode="numeric"
      autocomplete="off"
      aria-invalid={errors?.[name] ? "true" : undefined}
      aria-describedby={`f-${name}-msg`}
    />
  );
}

export function ProgramFormPage({ user, program, values, errors }: ProgramFormProps) {
  const slug = user.workspace.slug;
  const title = program ? `Edit ${program.name}` : "New program";
  const action = program ? programUrl(slug, program.id) : `${capacityBase(slug)}/programs`;
  const v = (k: string) => values[k] ?? "";
  const opt = { errors, required: false, autocomplete: "off" } as const;
  return (
    <Layout title={title} user={user}>
      <p>
        <a href={program ? programUrl(slug, program.id) : capacityBase(slug)}>{program ? program.name : "Capacity"}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={action} class="form" novalidate>
        <FormErrors errors={errors} />
        <Field name="name" label="Name" value={v("name")} errors={errors} maxlength={100} autocomplete="off" />
        <Select name="channel" label="Channel" options={Object.entries(CHANNEL_LABELS).map(([value, label]) => ({ value, label }))} value={v("channel") || "voice"} errors={errors} required />
        <Select name="interval_minutes" label="Interval length" options={["15", "30", "60"].map((m) => ({ value: m, label: `${m} minutes` }))} value={v("interval_minutes") || "15"} errors={errors} required />
        <fieldset>
          <legend>Goals</legend>
          <Field name="sl_target" label="Service level (%)" value={v("sl_target")} errors={errors} inputmode="decimal" hint="The share of contacts answered within the seconds below, e.g. 80." autocomplete="off" />
          <Field name="sl_seconds" label="…answered within (seconds)" value={v("sl_seconds")} errors={errors} inputmode="numeric" hint="e.g. 20 for 80/20." autocomplete="off" />
          <Field name="asa_goal_seconds" label="ASA goal (seconds, optional)" value={v("asa_goal_seconds")} inputmode="numeric" {...opt} />
          <Field name="max_occupancy" label="Maximum occupancy (%, optional)" value={v("max_occupancy")} inputmode="decimal" hint="e.g. 85. Empty for no cap." {...opt} />
          <Field name="default_aht_seconds" label="Default AHT (seconds)" value={v("default_aht_seconds")} errors={errors} inputmode="numeric" hint="Average handling time, used where the history has none." autocomplete="off" />
        </fieldset>
        <fieldset>
          <legend>Abandonment (Erlang A, optional)</legend>
          <Field name="patience_seconds" label="Average patience (seconds)" value={v("patience_seconds")} inputmode="numeric" hint="How long callers wait before hanging up, on average. Set it to plan with Erlang A." {...opt} />
          <Field name="max_abandon_rate" label="Maximum abandon rate (%)" value={v("max_abandon_rate")} inputmode="decimal" hint="Needs a patience." {...opt} />
        </fieldset>
        <fieldset>
          <legend>Opening hours</legend>
          <p class="hint">Times as HH:MM on the interval grid (24:00 for midnight). Leave both empty for a closed day.</p>
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Opens</th>
                  <th scope="col">Closes</th>
                </tr>
              </thead>
              <tbody>
                {WEEKDAYS.map((d) => (
                  <tr>
                    <th scope="row">{WEEKDAY_NAMES[d]}</th>
                    <td>
                      <TimeInput name={`open_${d}`} label={`${WEEKDAY_NAMES[d]} opens`} values={values} errors={errors} />
                      <Message name={`open_${d}`} errors={errors} />
                    </td>
                    <td>
                      <TimeInput name={`close_${d}`} label={`${WEEKDAY_NAMES[d]} closes`} values={values} errors={errors} />
                      <Message name={`close_${d}`} errors={errors} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
        <fieldset>
          <legend>Shrinkage</legend>
          <p class="hint" id="f-shrinkage-hint">
            Time paid but not available for contacts, by category (breaks, training, absence, …). The categories are summed; the total must stay below 100 %.
          </p>
          <Message name="shrinkage" errors={errors} />
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  <th scope="col">Percent</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: SHRINKAGE_ROWS }, (_, i) => i + 1).map((i) => (
                  <tr>
                    <td>
                      <input id={`f-shrinkage_name_${i}`} name={`shrinkage_name_${i}`} value={v(`shrinkage_name_${i}`)} aria-label={`Category ${i} name`} maxlength={60} autocomplete="off" aria-invalid={errors?.[`shrinkage_name_${i}`] ? "true" : undefined} aria-describedby={`f-shrinkage_name_${i}-msg`} />
                      <Message name={`shrinkage_name_${i}`} errors={errors} />
                    </td>
                    <td>
                      <input id={`f-shrinkage_percent_${i}`} name={`shrinkage_percent_${i}`} value={v(`shrinkage_percent_${i}`)} aria-label={`Category ${i} percent`} inputmode="decimal" maxlength={8} autocomplete="off" aria-invalid={errors?.[`shrinkage_percent_${i}`] ? "true" : undefined} aria-describedby={`f-shrinkage_percent_${i}-msg`} />
                      <Message name={`shrinkage_percent_${i}`} errors={errors} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
        <button type="submit">{program ? "Save changes" : "Create program"}</button>
      </form>
    </Layout>
  );
}
