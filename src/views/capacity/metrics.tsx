import { DEFAULT_DAYS, type MetricsDay, type MetricsView } from "../../domain/capacity/metrics.ts";
import { GOAL_NAMES, isoWeekLabel, type Achieved, type Goal, type IntervalAchieved, type PeriodAchieved } from "../../domain/capacity/metrics-math.ts";
import { hhmm, type Program } from "../../domain/capacity/programs.ts";
import { addDays, weekday } from "../../domain/capacity/volumes.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FieldMessage, FormErrors } from "../components.tsx";
import { Layout } from "../layout.tsx";
import { CapacityNav, count, programUrl, type InWorkspace } from "./home.tsx";
import { ServiceLevelChart } from "./metrics-chart.tsx";

// Achieved metrics (issue 5, item 6): service level, ASA and occupancy delivered by the staffed agents, per day or
// week and per interval of a day, against the program's goals. A miss is a class (bold, red) and a word.

const DAY_NAMES = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const pct = (f: number | null) => (f === null ? "–" : `${(Math.round(f * 1000) / 10).toFixed(1)} %`);
const secs = (s: number | null) => (s === null ? "–" : Number.isFinite(s) ? (Math.round(s * 10) / 10).toFixed(1) : "∞");
const num = (n: number, digits = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: digits });

function goalsText(p: Program): string {
  const parts = [`${pct(p.slTarget)} answered in ${p.slSeconds} s`];
  if (p.asaGoalSeconds !== null) parts.push(`ASA ≤ ${p.asaGoalSeconds} s`);
  if (p.maxOccupancy !== null) parts.push(`occupancy ≤ ${pct(p.maxOccupancy)}`);
  if (p.patienceSeconds !== null && p.maxAbandonRate !== null) parts.push(`abandonment ≤ ${pct(p.maxAbandonRate)}`);
  return parts.join(" · ");
}

const abandonShown = (p: Program) => p.patienceSeconds !== null;

/** The figure cells of an interval or a period, each marked when it misses its goal. */
function Figures({ a, program }: { a: Achieved; program: Program }) {
  const cell = (goal: Goal, text: string) => <td class={a.misses.includes(goal) ? "num miss" : "num"}>{text}</td>;
  return (
    <>
      {cell("serviceLevel", pct(a.serviceLevel))}
      {cell("asa", secs(a.asaSeconds))}
      {cell("occupancy", pct(a.occupancy))}
      {abandonShown(program) && cell("abandon", pct(a.abandonRate))}
    </>
  );
}

function Verdict({ a, empty }: { a: Achieved; empty?: string }) {
  if (a.serviceLevel === null && a.occupancy === null) return <td class="muted">{empty ?? "No staffing data"}</td>;
  return a.misses.length === 0 ? <td>Met</td> : <td class="miss">Missed: {a.misses.map((g) => GOAL_NAMES[g]).join(", ")}</td>;
}

function FigureHeads({ program }: { program: Program }) {
  return (
    <>
      <th scope="col" class="num">Service level</th>
      <th scope="col" class="num">ASA (s)</th>
      <th scope="col" class="num">Occupancy</th>
      {abandonShown(program) && <th scope="col" class="num">Abandoned</th>}
      <th scope="col">Goals</th>
    </>
  );
}

function Method({ program }: { program: Program }) {
  return (
    <details>
      <summary>How these are computed</summary>
      <p class="hint">
        Each interval with staffed agents imported is run through the engine ({program.patienceSeconds === null ? "Erlang C" : `Erlang A, patience ${program.patienceSeconds} s`}) with its offered
        contacts, its AHT (or the program's default of {program.defaultAhtSeconds} s) and the staffed agents. A fractional count such as 4.5 is read as a mix of 4 and 5 agents over the
        interval: the figures are interpolated between the two. Days and weeks weigh service level, ASA and abandonment by contacts offered; occupancy is the time agents spent on
        contacts over the time they were staffed. Intervals without staffing data are left out and counted. Under Erlang C, an interval with no more agents than traffic has an
        unbounded queue: its ASA, and that of its day and week, is ∞.
      </p>
    </details>
  );
}

function PeriodRows({ rows, program, grain, url }: { rows: PeriodAchieved[]; program: Program; grain: "day" | "week"; url: string }) {
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">{grain === "day" ? "Day" : "Week"}</th>
            <th scope="col" class="num">Offered</th>
            <FigureHeads program={program} />
            <th scope="col" class="num">No staffing data</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr class={r.misses.length ? "miss-row" : undefined}>
              <td>{grain === "day" ? <a href={`${url}/days/${r.start}`}>{`${DAY_NAMES[weekday(r.start)]} ${r.start}`}</a> : `${isoWeekLabel(r.start)} (${r.start})`}</td>
              <td class="num">{count(r.offered)}</td>
              <Figures a={r} program={program} />
              <Verdict a={r} empty={r.intervals === 0 ? "No staffing data" : "No contacts, no staff"} />
              <td class="num">{r.noData ? count(r.noData) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Summary({ t }: { t: PeriodAchieved }) {
  if (t.intervals === 0) return <p>No interval in this range has staffing data{t.noData > 0 ? ` (${count(t.noData)} without it)` : ""}.</p>;
  return (
    <p>
      Over the range: service level <strong>{pct(t.serviceLevel)}</strong>, ASA <strong>{secs(t.asaSeconds)} s</strong>, occupancy <strong>{pct(t.occupancy)}</strong> on{" "}
      {count(t.offered)} contacts and {num(t.staffedHours)} staffed agent-hours ({t.misses.length === 0 ? "goals met" : `missed: ${t.misses.map((g) => GOAL_NAMES[g]).join(", ")}`}).
      {t.noData > 0 && (t.noData === 1 ? " 1 interval has no staffing data and is left out." : ` ${count(t.noData)} intervals have no staffing data and are left out.`)}
    </p>
  );
}

export function MetricsPage({ user, program, view, values, errors }: { user: InWorkspace; program: Program; view: MetricsView | null; values: { from: string; to: string; view: string }; errors?: FieldErrors }) {
  const slug = user.workspace.slug;
  const url = `${programUrl(slug, program.id)}/metrics`;
  const grain = view?.view ?? (values.view === "week" ? "week" : "day");
  const field = (k: "from" | "to", label: string) => (
    <div class="field">
      <label for={`f-${k}`}>{label}</label>
      <input id={`f-${k}`} name={k} type="date" value={view?.[k] ?? values[k]} aria-invalid={errors?.[k] ? "true" : undefined} aria-describedby={`f-${k}-msg`} />
      <div id={`f-${k}-msg`} aria-live="polite">
        {errors?.[k] && <FieldMessage id={`f-${k}`} message={errors[k]!} />}
      </div>
    </div>
  );
  return (
    <Layout title={`Metrics: ${program.name}`} user={user}>
      <CapacityNav slug={slug} />
      <p>
        <a href={programUrl(slug, program.id)}>{program.name}</a>
      </p>
      <h1>Achieved service level</h1>
      <p class="lead">Goals: {goalsText(program)}.</p>
      <form method="get" action={url} class="grid" novalidate>
        <FormErrors errors={errors} />
        {field("from", "From")}
        {field("to", "To")}
        <div class="field">
          <label for="f-view">Show</label>
          <select id="f-view" name="view" aria-invalid={errors?.view ? "true" : undefined} aria-describedby="f-view-msg">
            <option value="day" selected={grain === "day"}>By day</option>
            <option value="week" selected={grain === "week"}>By ISO week</option>
          </select>
          <div id="f-view-msg" aria-live="polite">
            {errors?.view && <FieldMessage id="f-view" message={errors.view} />}
          </div>
        </div>
        <div class="actions">
          <button type="submit">Show</button>
        </div>
      </form>
      {view && view.lastStaffedDay === null && (
        <p>
          No staffed agents have been imported for this program yet. Add a <code>staffed</code> column (agents staffed in each interval) to a volumes CSV and{" "}
          <a href={`${programUrl(slug, program.id)}/imports`}>import it</a>.
        </p>
      )}
      {view && (
        <>
          <p class="hint">
            {view.from} to {view.to}.{" "}
            {view.cappedFrom && `A page shows at most ${grain === "day" ? "13 weeks by day" : "52 weeks by week"}: the range starts at ${view.from} instead of ${view.cappedFrom}. `}
            {view.lastStaffedDay && `The last day with staffing data is ${view.lastStaffedDay}.`}
          </p>
          <Summary t={view.total} />
          <Method program={program} />
          <h2>Service level per day</h2>
          <ServiceLevelChart days={view.days} from={view.from} to={view.to} goal={program.slTarget} />
          <h2>{grain === "day" ? "By day" : "By ISO week"}</h2>
          {view.days.length === 0 ? (
            <p class="muted">No intervals in this range.</p>
          ) : (
            <>
              {grain === "week" && <p class="hint">Weeks run Monday to Sunday; the first and last may be cut by the range.</p>}
              <PeriodRows rows={grain === "day" ? view.days : view.weeks} program={program} grain={grain} url={url} />
            </>
          )}
        </>
      )}
    </Layout>
  );
}

function IntervalRow({ r, program }: { r: IntervalAchieved; program: Program }) {
  return (
    <tr class={r.misses.length ? "miss-row" : undefined}>
      <td>{hhmm(r.minute)}</td>
      <td class="num">{count(r.offered)}</td>
      <td class="num">{Math.round(r.ahtSeconds)}</td>
      <td class="num">{num(r.trafficErlangs, 2)}</td>
      <td class="num">{r.staffed === null ? "–" : num(r.staffed, 2)}</td>
      <Figures a={r} program={program} />
      <Verdict a={r} empty={r.staffed === null ? "No staffing data" : "No contacts, no staff"} />
    </tr>
  );
}

export function MetricsDayPage({ user, data }: { user: InWorkspace; data: MetricsDay }) {
  const { program, day, intervals, total } = data;
  const slug = user.workspace.slug;
  const url = `${programUrl(slug, program.id)}/metrics`;
  return (
    <Layout title={`Metrics: ${program.name} · ${day}`} user={user}>
      <CapacityNav slug={slug} />
      <p>
        <a href={programUrl(slug, program.id)}>{program.name}</a> · <a href={`${url}?from=${addDays(day, -(DEFAULT_DAYS - 1))}&to=${day}`}>Achieved service level</a>
      </p>
      <h1>
        Achieved metrics on {DAY_NAMES[weekday(day)]} {day}
      </h1>
      <p class="actions">
        {data.prev && <a href={`${url}/days/${data.prev}`}>← {data.prev}</a>} {data.next && <a href={`${url}/days/${data.next}`}>{data.next} →</a>}
      </p>
      <p class="lead">Goals: {goalsText(program)}.</p>
      {intervals.length === 0 ? (
        <p class="muted">No intervals on this day.</p>
      ) : (
        <>
          <Summary t={total} />
          <Method program={program} />
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Interval</th>
                  <th scope="col" class="num">Offered</th>
                  <th scope="col" class="num">AHT (s)</th>
                  <th scope="col" class="num">Traffic (Erl)</th>
                  <th scope="col" class="num">Staffed</th>
                  <FigureHeads program={program} />
                </tr>
              </thead>
              <tbody>
                {intervals.map((r) => (
                  <IntervalRow r={r} program={program} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Layout>
  );
}
