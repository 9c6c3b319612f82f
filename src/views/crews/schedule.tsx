import { raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { assetUrl } from "../../assets.ts";
import type { ProjectOption } from "../../domain/crews/schedule.ts";
import type { Grid, GridCell } from "../../domain/crews/schedule-grid.ts";
import type { DistributionView } from "../../domain/crews/distribution.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import { hrefWith } from "../crm/fields.tsx";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";
import { CrewsNav } from "./nav.tsx";
import { SwatchDefs, SwatchRef, WeekNav, cellLabel, STATUS } from "./schedule-parts.tsx";

// The weekly schedule grid (issue 7, item 2). Every cell is a link to the person's week form, so the page works
// without JavaScript; static/schedule.js adds keyboard moves, a "repeat last project" key and drag and drop, all
// by filling and submitting the hidden quick form below, which is the same POST the cell form makes.
// Project colours are drawn as SVG rects with a fill attribute: the strict CSP forbids style attributes, and
// colours are arbitrary hex values, so no fixed set of classes could hold them. Each colour is one symbol in the
// page (SwatchDefs) that every swatch of the grid and the project list refers to.

export interface ScheduleView {
  slug: string;
  grid: Grid;
  canEdit: boolean;
  projects: ProjectOption[];
  lastProject: string | null;
  distribution: DistributionView | null;
  conflicts?: { name: string; day: string }[];
  errors?: FieldErrors;
}

export const scheduleBase = (slug: string) => `/t/${slug}/crews/schedule`;

function Assignment({ c }: { c: GridCell }) {
  return c.kind === "project" ? (
    <span class="a" data-p={c.projectId!}>
      <SwatchRef color={c.color} />
      {c.projectName}
      {c.hours !== null && <small> {c.hours}h</small>}
    </span>
  ) : (
    <span class={`st st-${c.kind}`} data-k={c.kind}>
      {STATUS[c.kind]}
    </span>
  );
}

// A week's grid repeats a few dozen distinct assignments (project, name, colour, hours) hundreds of times: each is
// rendered (and escaped) by JSX once and reused. The key holds every value the markup depends on.
const rendered = new Map<string, HtmlEscapedString>();
function assignmentHtml(c: GridCell): HtmlEscapedString {
  // NUL never occurs in PostgreSQL text, so it separates the values unambiguously.
  const key = `${c.kind}\0${c.projectId}\0${c.color}\0${c.hours}\0${c.projectName}`;
  let html = rendered.get(key);
  if (!html) {
    html = raw(String(<Assignment c={c} />));
    if (rendered.size >= 5000) rendered.clear();
    rendered.set(key, html);
  }
  return html;
}

/** A day's assignments: most days hold one, returned as is; a double booking joins its JSX-rendered pieces. */
const cellContent = (cells: GridCell[]) => (cells.length === 1 ? assignmentHtml(cells[0]!) : raw(cells.map(assignmentHtml).join("")));

function GridTable({ v }: { v: ScheduleView }) {
  const { grid } = v;
  const base = scheduleBase(v.slug);
  return (
    <div class="table-wrap" tabindex={0}>
      <table class="schedule" id="schedule" data-week={grid.key}>
        <thead>
          <tr>
            <th scope="col">Employee</th>
            {grid.days.map((d, i) => (
              <th scope="col" data-d={d}>
                {grid.labels[i]}
              </th>
            ))}
          </tr>
        </thead>
        {grid.crews.map((crew) => (
          <tbody>
            <tr class="crew">
              <th colspan={8} scope="rowgroup">
                {crew.foremanId ? `Crew of ${crew.title}` : crew.title} <small>({crew.people.length})</small>
              </th>
            </tr>
            {crew.people.map((p) => (
              <tr id={`r-${p.id}`} data-e={p.id} class={p.id === crew.foremanId ? "fm" : undefined}>
                <th scope="row">
                  <a href={`${base}/cell?e=${p.id}&week=${grid.key}`}>{p.name}</a> <small>{p.trade}</small>
                </th>
                {grid.days.map((d) => {
                  const cells = grid.cells.get(`${p.id}|${d}`);
                  const double = !!cells && cells.length > 1 && cells.filter((c) => c.kind === "project").length > 1;
                  return (
                    <td class={double ? "double" : undefined}>
                      <a class="c" href={`${base}/cell?e=${p.id}&d=${d}`} aria-label={cells ? undefined : "Assign"}>
                        {cells ? cellContent(cells) : "+"}
                      </a>
                      {double && <strong class="flag">Double-booked</strong>}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

function GroupPager({ v }: { v: ScheduleView }) {
  const { grid } = v;
  if (grid.pages.length < 2) return null;
  const base = scheduleBase(v.slug);
  return (
    <nav class="actions pager" aria-label="Crews">
      {grid.pages.map((p) =>
        p.n === grid.page ? (
          <strong aria-current="page">{p.label}</strong>
        ) : (
          <a href={hrefWith(base, { week: grid.key, foreman: grid.foreman, page: String(p.n) })}>{p.label}</a>
        ),
      )}
    </nav>
  );
}

/** The project palette: a legend, and with JavaScript the chips to drag onto a cell (digits 1–9 pick one). */
function Palette({ projects }: { projects: ProjectOption[] }) {
  if (!projects.length) return <p class="muted">No open projects yet: add one under Projects.</p>;
  return (
    <ul class="palette" id="palette" aria-label="Projects">
      {projects.map((p) => (
        <li class="chip" data-p={p.id}>
          <SwatchRef color={p.color} />
          {p.name}
        </li>
      ))}
    </ul>
  );
}

function Distribution({ v }: { v: ScheduleView }) {
  const d = v.distribution;
  const base = scheduleBase(v.slug);
  const when = (x: Date) => x.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  return (
    <section aria-labelledby="dist-h">
      <h2 id="dist-h">Schedule emails</h2>
      {!d && <p>Week {v.grid.key} has not been emailed yet.</p>}
      {d?.status === "queued" && <p>Sending week {v.grid.key} (asked for {when(d.createdAt)})… refresh to see the result.</p>}
      {d?.status === "done" && (
        <>
          <p>
            Week {v.grid.key} was emailed {when(d.sentAt!)} to {d.emailed} {d.emailed === 1 ? "person" : "people"}.
          </p>
          {d.unreachableCount > 0 ? (
            <div class="flash bad" id="no-email">
              <p>
                {d.unreachableCount} {d.unreachableCount === 1 ? "person on the schedule has" : "people on the schedule have"} no email address and got nothing:
              </p>
              <ul>
                {d.unreachable.map((n) => (
                  <li>{n}</li>
                ))}
              </ul>
              {d.unreachableCount > d.unreachable.length && <p>…and {d.unreachableCount - d.unreachable.length} more.</p>}
            </div>
          ) : (
            <p>Everyone on the schedule has an email address.</p>
          )}
        </>
      )}
      {v.canEdit && (
        <form method="post" action={`${base}/distribution`}>
          <input type="hidden" name="week" value={v.grid.key} />
          <button type="submit">Email week {v.grid.key} now</button>
          <p class="hint">Each person gets their days (and each foreman their crew's) once per week: people already emailed for this week get nothing new.</p>
        </form>
      )}
    </section>
  );
}

function WeekActions({ v }: { v: ScheduleView }) {
  const base = scheduleBase(v.slug);
  const key = v.grid.key;
  return (
    <section aria-labelledby="week-h">
      <h2 id="week-h">The whole week</h2>
      <form method="post" action={`${base}/copy`} class="inline-form">
        <input type="hidden" name="week" value={key} />
        <button type="submit">Copy week {v.grid.prev} into this week for everyone</button>
      </form>
      <form method="post" action={`${base}/clearing`} class="inline-form">
        <input type="hidden" name="week" value={key} />
        <input type="hidden" name="scope" value="week" />
        <label class="choice">
          <input type="checkbox" name="confirm" value="yes" required aria-invalid={v.errors?.confirm ? "true" : undefined} /> Yes, clear every assignment of week {key}
        </label>
        <button type="submit" class="secondary">
          Clear week {key}
        </button>
      </form>
    </section>
  );
}

/** The form schedule.js fills and submits for a key press or a drop: the same POST as the cell form. */
function QuickForms({ v }: { v: ScheduleView }) {
  const base = scheduleBase(v.slug);
  const back = { week: v.grid.key, page: String(v.grid.page), foreman: v.grid.foreman ?? "" };
  return (
    <>
      <form id="quick" method="post" action={`${base}/assignments`} hidden data-last={v.lastProject ?? ""}>
        {["employee_id", "day", "kind", "project_id", "hours", "start_time"].map((n) => (
          <input type="hidden" name={n} value="" />
        ))}
        {Object.entries(back).map(([n, val]) => (
          <input type="hidden" name={n} value={val} />
        ))}
      </form>
      <form id="quick-clear" method="post" action={`${base}/clearing`} hidden>
        <input type="hidden" name="scope" value="cell" />
        <input type="hidden" name="employee_id" value="" />
        <input type="hidden" name="day" value="" />
        {Object.entries(back).map(([n, val]) => (
          <input type="hidden" name={n} value={val} />
        ))}
      </form>
      <script src={assetUrl("schedule.js")} defer></script>
    </>
  );
}

export function SchedulePage({ user, v, flash }: { user: SignedIn; v: ScheduleView; flash?: Flash | null }) {
  const { grid } = v;
  const base = scheduleBase(v.slug);
  return (
    <Layout title={`Schedule ${grid.key}`} user={user} flash={flash}>
      <CrewsNav slug={v.slug} current="schedule" />
      <h1>
        Schedule <small class="muted">week {grid.key}, {grid.range}</small>
      </h1>
      <WeekNav base={base} week={grid} foremen={grid.foremen} foreman={grid.foreman} errors={v.errors} />
      <FormErrors errors={v.errors} />
      {v.conflicts && (
        <div class="flash bad" role="alert" id="conflicts">
          <p>Nothing was copied: these days already hold something else this week.</p>
          <ul>
            {v.conflicts.slice(0, 30).map((c) => (
              <li>
                {c.name}, {c.day}
              </li>
            ))}
          </ul>
          {v.conflicts.length > 30 && <p>…and {v.conflicts.length - 30} more.</p>}
        </div>
      )}
      <p class="muted">
        {grid.total} active {grid.total === 1 ? "person" : "people"}. {cellLabel}
      </p>
      {v.canEdit && (
        <p class="hint" id="keys" hidden>
          Keys: arrows move between days and people; Enter opens the day's form; 1–9 put the person on that project of the list below; "." repeats the
          last project; Delete clears the day. Drag a project or a filled day onto another day to assign it.
        </p>
      )}
      <SwatchDefs colors={[...v.projects.map((p) => p.color), ...[...grid.cells.values()].flatMap((cs) => cs.map((c) => c.color))]} />
      {grid.crews.length ? <GridTable v={v} /> : <p>No active employees{grid.foreman ? " in this crew" : ""} yet.</p>}
      <GroupPager v={v} />
      <h2>Projects</h2>
      <Palette projects={v.projects} />
      {v.canEdit && <WeekActions v={v} />}
      <Distribution v={v} />
      <section aria-labelledby="dl-h">
        <h2 id="dl-h">Excel</h2>
        <p>
          <a href={`${base}.xlsx?week=${grid.key}`}>This week by foreman (.xlsx)</a> · <a href={`${base}/projects.xlsx?week=${grid.key}`}>This week by project (.xlsx)</a>
        </p>
        <form method="get" action={`/t/${v.slug}/crews/assignments.xlsx`} class="inline-form">
          <label>
            From <input type="date" name="from" value={grid.days[0]} required />
          </label>
          <label>
            To <input type="date" name="to" value={grid.days[6]} required />
          </label>
          <button type="submit" class="secondary">
            Assignments list (.xlsx)
          </button>
        </form>
      </section>
      {v.canEdit && <QuickForms v={v} />}
    </Layout>
  );
}
