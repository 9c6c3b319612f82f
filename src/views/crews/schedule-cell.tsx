import type { Cell, ProjectOption, WeekOf } from "../../domain/crews/schedule.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Select } from "../crm/fields.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { CrewsNav } from "./nav.tsx";
import { KIND_OPTIONS, STATUS, Swatch, WeekNav } from "./schedule-parts.tsx";

// One person's week: the cell form (a day, or Monday to Friday at once), each day's assignments with their
// remove buttons, and copy / clear for this person. Reached from any cell of the grid; works without JavaScript.

export interface EmployeeWeekView {
  slug: string;
  employee: { id: string; name: string; trade: string };
  week: WeekOf;
  /** Per day of the week. */
  cells: Cell[][];
  projects: ProjectOption[];
  canEdit: boolean;
  values: Record<string, string>;
  errors?: FieldErrors;
  /** Where the grid was: its page and crew filter. */
  back: { page: string; foreman: string };
  conflicts?: { name: string; day: string }[];
}

export const WORKWEEK = "workweek";

function Back({ v }: { v: EmployeeWeekView }) {
  return (
    <>
      <input type="hidden" name="week" value={v.week.key} />
      <input type="hidden" name="page" value={v.back.page} />
      <input type="hidden" name="foreman" value={v.back.foreman} />
    </>
  );
}

function AssignForm({ v }: { v: EmployeeWeekView }) {
  const base = `/t/${v.slug}/crews/schedule`;
  const days = [...v.week.days.map((d, i) => ({ value: d, label: v.week.labels[i]! })), { value: WORKWEEK, label: "Monday to Friday (the whole working week)" }];
  return (
    <form method="post" action={`${base}/assignments`} class="form" id="assign">
      <h2>Assign</h2>
      <FormErrors errors={v.errors} />
      <input type="hidden" name="employee_id" value={v.employee.id} />
      <Back v={v} />
      <Select name="day" label="Day" options={days} value={v.values.day} errors={v.errors} required />
      <Select name="kind" label="Project or status" options={KIND_OPTIONS} value={v.values.kind || "project"} errors={v.errors} required />
      <Select
        name="project_id"
        label="Project"
        hint="For a project day. Leave empty for PTO, sick, training or off."
        options={v.projects.map((p) => ({ value: p.id, label: p.number ? `${p.name} (${p.number})` : p.name }))}
        value={v.values.project_id}
        blank="—"
        errors={v.errors}
      />
      <Field name="hours" label="Hours (optional)" value={v.values.hours} errors={v.errors} required={false} inputmode="decimal" maxlength={5} hint="Above 0, at most 24." />
      <Field name="start_time" label="Start time (optional)" type="time" value={v.values.start_time} errors={v.errors} required={false} />
      <label class="choice">
        <input type="checkbox" name="mode" value="add" checked={v.values.mode === "add"} /> Keep the day's other projects (a second job that day is flagged as a double booking)
      </label>
      <button type="submit">Assign</button>
    </form>
  );
}

export function EmployeeWeekPage({ user, v, flash }: { user: SignedIn; v: EmployeeWeekView; flash?: Flash | null }) {
  const base = `/t/${v.slug}/crews/schedule`;
  const gridHref = `${base}?week=${v.week.key}${v.back.page ? `&page=${v.back.page}` : ""}${v.back.foreman ? `&foreman=${v.back.foreman}` : ""}#r-${v.employee.id}`;
  return (
    <Layout title={`${v.employee.name}, week ${v.week.key}`} user={user} flash={flash}>
      <CrewsNav slug={v.slug} current="schedule" />
      <p>
        <a href={gridHref}>← Back to the schedule</a>
      </p>
      <h1>
        {v.employee.name} <small class="muted">{v.employee.trade}, week {v.week.key} ({v.week.range})</small>
      </h1>
      <WeekNav base={`${base}/cell`} week={v.week} extra={{ e: v.employee.id }} errors={v.errors} />
      {v.conflicts && (
        <div class="flash bad" role="alert" id="conflicts">
          Nothing was copied: {v.conflicts.map((c) => c.day).join(", ")} already hold something else.
        </div>
      )}
      <table class="week-days">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Assignment</th>
            {v.canEdit && <th scope="col">Change</th>}
          </tr>
        </thead>
        <tbody>
          {v.week.days.map((d, i) => {
            const cells = v.cells[i]!;
            const double = cells.filter((c) => c.kind === "project").length > 1;
            return (
              <tr class={double ? "double" : undefined}>
                <th scope="row">{v.week.labels[i]}</th>
                <td>
                  {cells.length === 0 && <span class="muted">Nothing</span>}
                  {cells.map((c) => (
                    <div>
                      {c.kind === "project" ? (
                        <>
                          <Swatch color={c.color} />
                          {c.projectName}
                          {c.hours !== null && ` · ${c.hours} h`}
                          {c.startTime && ` · from ${c.startTime}`}
                        </>
                      ) : (
                        STATUS[c.kind]
                      )}
                      {v.canEdit && (
                        <form method="post" action={`${base}/assignments/${c.id}/deletion`} class="inline">
                          <Back v={v} />
                          <button type="submit" class="link">
                            Remove
                          </button>
                        </form>
                      )}
                    </div>
                  ))}
                  {double && <strong class="flag">Double-booked</strong>}
                </td>
                {v.canEdit && (
                  <td>
                    {cells.length > 0 && (
                      <form method="post" action={`${base}/clearing`} class="inline">
                        <input type="hidden" name="scope" value="cell" />
                        <input type="hidden" name="employee_id" value={v.employee.id} />
                        <input type="hidden" name="day" value={d} />
                        <Back v={v} />
                        <button type="submit" class="link">
                          Clear {v.week.labels[i]}
                        </button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {v.canEdit && <AssignForm v={v} />}
      {v.canEdit && (
        <div class="actions">
          <form method="post" action={`${base}/copy`} class="inline-form">
            <input type="hidden" name="employee_id" value={v.employee.id} />
            <Back v={v} />
            <button type="submit" class="secondary">
              Copy {v.week.prev} into this week for {v.employee.name}
            </button>
          </form>
          <form method="post" action={`${base}/clearing`} class="inline-form">
            <input type="hidden" name="scope" value="employee" />
            <input type="hidden" name="employee_id" value={v.employee.id} />
            <Back v={v} />
            <button type="submit" class="secondary">
              Clear {v.employee.name}'s week
            </button>
          </form>
        </div>
      )}
    </Layout>
  );
}
