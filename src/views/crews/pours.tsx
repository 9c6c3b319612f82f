import type { DayPour, PourRow } from "../../domain/crews/pour-lists.ts";
import { POUR_STATUS_LABELS, POUR_STATUSES, UNIT_LABELS } from "../../domain/crews/pours.ts";
import type { VolumeUnit } from "../../domain/crews/tables.ts";
import { shortDay } from "../../domain/crews/week.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { hrefWith, Select, Textarea, type Option } from "../crm/fields.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { CrewsNav, crewsBase, CrewsFormPage, type InWorkspace } from "./nav.tsx";


export const poursBase = (slug: string) => `${crewsBase(slug)}/pours`;
export const statusOptions: Option[] = POUR_STATUSES.map((s) => ({ value: s, label: POUR_STATUS_LABELS[s] }));

export function StatusBadge({ status }: { status: PourRow["status"] }) {
  const kind = status === "confirmed" || status === "poured" ? "ok" : status === "tentative" ? "" : "bad";
  return <span class={`badge ${kind}`.trim()}>{POUR_STATUS_LABELS[status]}</span>;
}

const project = (r: { project_name: string; project_number: string | null }) => (r.project_number ? `${r.project_number} · ${r.project_name}` : r.project_name);
export const volume = (v: number, unit: VolumeUnit) => `${v.toLocaleString("en-US")} ${UNIT_LABELS[unit]}`;

export interface LookaheadView {
  values: Record<string, string>;
  errors?: FieldErrors;
  rows: PourRow[];
  next: string | null;
  from: string;
  to: string;
  projects: Option[];
  canEdit: boolean;
}

export function PoursPage({ user, list, flash }: { user: InWorkspace; list: LookaheadView; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const base = poursBase(slug);
  const { values, errors } = list;
  return (
    <Layout title="Pours" user={user} flash={flash}>
      <CrewsNav slug={slug} current="pours" />
      <h1>Pour lookahead</h1>
      <p class="actions">
        <a href={`${base}/days/${list.from}`}>Today's pours</a>
        <a href={hrefWith(`${base}.xlsx`, { from: list.from, to: list.to })}>Download the schedule (.xlsx)</a>
        {list.canEdit && (
          <a class="button" href={`${base}/new`}>
            New pour
          </a>
        )}
      </p>
      <form method="get" action={base} class="form">
        <FormErrors errors={errors} message={errors?.after ?? "Some filters are not valid; correct them and search again."} />
        <div class="grid">
          <Select name="project" label="Project" options={list.projects} value={values.project} blank="Every project" errors={errors} />
          <Select name="status" label="Status" options={statusOptions} value={values.status} blank="Any status" errors={errors} />
        </div>
        <button type="submit">Show</button>
      </form>
      <p class="hint">
        From {shortDay(list.from)} {list.from.slice(0, 4)} to {shortDay(list.to)} {list.to.slice(0, 4)}, soonest first.
      </p>
      {list.rows.length === 0 ? (
        <p>No pours in the next 365 days{values.project || values.status ? " that match" : ""}.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Start</th>
                <th scope="col">Project</th>
                <th scope="col">Element or location</th>
                <th scope="col">Volume</th>
                <th scope="col">Crew</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((r) => (
                <tr>
                  <td>
                    <a href={`${base}/days/${r.day}`}>{shortDay(r.day)}</a>
                  </td>
                  <td>{r.start_time}</td>
                  <td>{project(r)}</td>
                  <td>
                    <a href={`${base}/${r.id}`}>{r.location}</a>
                  </td>
                  <td>{volume(r.volume, r.volume_unit)}</td>
                  <td>
                    {r.placing} placing, {r.finishing} finishing
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(values.after || list.next) && (
        <nav class="actions" aria-label="Pages">
          {values.after && <a href={hrefWith(base, { project: values.project, status: values.status })}>First page</a>}
          {list.next && (
            <a rel="next" href={hrefWith(base, { project: values.project, status: values.status, after: list.next })}>
              Next
            </a>
          )}
        </nav>
      )}
    </Layout>
  );
}

export function PourDayPage({ user, day, pours, capped, canEdit }: { user: InWorkspace; day: string; pours: DayPour[]; capped: boolean; canEdit: boolean }) {
  const base = poursBase(user.workspace.slug);
  const shift = (n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  return (
    <Layout title={`Pours on ${day}`} user={user}>
      <CrewsNav slug={user.workspace.slug} current="pours" />
      <p>
        <a href={base}>Lookahead</a>
      </p>
      <h1>
        Pours on {shortDay(day)} {day.slice(0, 4)}
      </h1>
      <nav class="actions" aria-label="Days">
        <a href={`${base}/days/${shift(-1)}`}>Previous day</a>
        <a href={`${base}/days/${shift(1)}`}>Next day</a>
        {canEdit && <a href={`${base}/new?day=${day}`}>New pour this day</a>}
      </nav>
      {pours.length === 0 ? (
        <p>No pours this day.</p>
      ) : (
        pours.map((p) => (
          <section class="card">
            <h2>
              {p.start_time} · <a href={`${base}/${p.id}`}>{p.location}</a> <StatusBadge status={p.status} />
            </h2>
            <p>
              {project(p)}
              {p.project_address ? `, ${p.project_address}` : ""}
            </p>
            <p>
              {volume(p.volume, p.volume_unit)}
              {p.mix_design ? ` · mix ${p.mix_design}` : ""}
              {p.pump_type || p.pump_company ? ` · pump ${[p.pump_type, p.pump_company].filter(Boolean).join(", ")}` : ""}
              {p.supplier ? ` · ${p.supplier}` : ""}
            </p>
            <p>Placing: {p.crew.filter((c) => c.role === "placing").map((c) => c.name).join(", ") || "nobody yet"}</p>
            <p>Finishing: {p.crew.filter((c) => c.role === "finishing").map((c) => c.name).join(", ") || "nobody yet"}</p>
          </section>
        ))
      )}
      {capped && <p class="hint">Only the first 200 pours of the day are shown.</p>}
    </Layout>
  );
}

export interface PourFormProps {
  user: InWorkspace;
  pour?: { id: string; location: string; confirmed: boolean };
  values: Record<string, string>;
  placing: string[];
  finishing: string[];
  errors?: FieldErrors;
  projects: Option[];
  employees: Option[];
  unitLabel: string;
}

function CrewSelect({ name, label, options, chosen, errors }: { name: "placing" | "finishing"; label: string; options: Option[]; chosen: string[]; errors?: FieldErrors }) {
  const id = `f-${name}`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <p class="hint" id={`${id}-hint`}>
        Hold Ctrl (⌘ on a Mac) to choose several.
      </p>
      <select id={id} name={name} multiple size={8} aria-describedby={`${id}-hint ${id}-msg`} aria-invalid={errors?.[name] ? "true" : undefined}>
        {options.map((o) => (
          <option value={o.value} selected={chosen.includes(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
      <div id={`${id}-msg`} aria-live="polite">
        {errors?.[name] && (
          <p class="field-error" id={`${id}-error`}>
            {errors[name]}
          </p>
        )}
      </div>
    </div>
  );
}

export function PourFormPage(p: PourFormProps) {
  const base = poursBase(p.user.workspace.slug);
  const v = p.values;
  const title = p.pour ? `Change ${p.pour.location}` : "New pour";
  return (
    <CrewsFormPage
      user={p.user}
      current="pours"
      title={title}
      back={p.pour ? { href: `${base}/${p.pour.id}`, label: p.pour.location } : { href: base, label: "Pours" }}
      action={p.pour ? `${base}/${p.pour.id}` : base}
      errors={p.errors}
      intro={p.pour?.confirmed && <p class="hint">This pour is confirmed. Changing its project, day, start or crews makes it tentative again, to be confirmed (and announced) again.</p>}
    >
      <Select name="project_id" label="Project" options={p.projects} value={v.project_id} blank="Choose a project" errors={p.errors} required />
      <div class="grid">
        <Field name="day" label="Day" type="date" value={v.day} errors={p.errors} />
        <Field name="start_time" label="Start time" type="time" value={v.start_time} errors={p.errors} hint="Local time of the workspace." />
      </div>
      <Field name="location" label="Element or location" value={v.location} errors={p.errors} maxlength={200} hint="E.g. Level 3 deck, grid A–D." />
      <Field name="volume" label={`Volume (${p.unitLabel})`} value={v.volume} errors={p.errors} inputmode="decimal" maxlength={12} />
      <div class="grid">
        <Field name="mix_design" label="Mix design" value={v.mix_design} errors={p.errors} required={false} maxlength={100} />
        <Field name="slump" label="Slump" value={v.slump} errors={p.errors} required={false} maxlength={50} />
        <Field name="pump_type" label="Pump type" value={v.pump_type} errors={p.errors} required={false} maxlength={100} hint="E.g. 38 m boom, line pump." />
        <Field name="pump_company" label="Pump company" value={v.pump_company} errors={p.errors} required={false} maxlength={200} />
        <Field name="supplier" label="Concrete supplier" value={v.supplier} errors={p.errors} required={false} maxlength={200} />
      </div>
      <div class="grid">
        <CrewSelect name="placing" label="Placing crew" options={p.employees} chosen={p.placing} errors={p.errors} />
        <CrewSelect name="finishing" label="Finishing crew" options={p.employees} chosen={p.finishing} errors={p.errors} />
      </div>
      <Textarea name="notes" label="Notes" value={v.notes} errors={p.errors} maxlength={2000} />
      <button type="submit">{p.pour ? "Save" : "Add pour"}</button>
    </CrewsFormPage>
  );
}
