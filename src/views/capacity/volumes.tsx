import type { Program } from "../../domain/capacity/programs.ts";
import { hhmm } from "../../domain/capacity/programs.ts";
import { addDays, CHART_MAX_DAYS, daysBetween, HEATMAP_MAX_DAYS, TABLE_MAX_DAYS, weekday, type DailyTotal, type VolumesView } from "../../domain/capacity/volumes.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FieldMessage, FormErrors } from "../components.tsx";
import { Layout } from "../layout.tsx";
import { CapacityNav, count, programUrl, type InWorkspace } from "./home.tsx";

// A program's contact history: a day × interval heatmap and a daily line chart, both SVG drawn here on the server
// (no script, no inline style: presentation attributes and the classes in app.css), and the last days as a table.

const DAY_NAMES = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const STEPS = 6;

/** The heatmap: one row a day, one column an interval, shaded in 6 steps of the range's busiest interval. */
export function Heatmap({ cells, from, to, intervalMinutes }: { cells: VolumesView["cells"]; from: string; to: string; intervalMinutes: number }) {
  if (cells.length === 0) return <p>No intervals in this range.</p>;
  let lo = 1440;
  let hi = 0;
  let max = 0;
  for (const c of cells) {
    lo = Math.min(lo, c.minute);
    hi = Math.max(hi, c.minute);
    max = Math.max(max, c.offered);
  }
  const cols = (hi - lo) / intervalMinutes + 1;
  const days = daysBetween(from, to) + 1;
  const cw = Math.max(4, Math.min(24, Math.floor(720 / cols)));
  const ch = 10;
  const left = 74;
  const top = 18;
  const width = left + cols * cw;
  const height = top + days * ch + 34;
  const step = (v: number) => (v === 0 || max === 0 ? 0 : Math.min(STEPS, Math.ceil((v / max) * STEPS)));
  const hourTicks: number[] = [];
  for (let m = Math.ceil(lo / 120) * 120; m <= hi; m += 120) hourTicks.push(m);
  const rowDays = Array.from({ length: days }, (_, i) => addDays(from, i));
  // Zero intervals are not drawn one by one: a day with data gets one zero-coloured bar under its busy cells.
  const byDay = new Map<string, { total: number; cells: VolumesView["cells"] }>();
  for (const c of cells) {
    const d = byDay.get(c.day) ?? byDay.set(c.day, { total: 0, cells: [] }).get(c.day)!;
    d.total += c.offered;
    if (c.offered > 0) d.cells.push(c);
  }
  return (
    <figure class="volume-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby="hm-title" class="heatmap">
        <title id="hm-title">{`Contacts offered per interval, ${from} to ${to}`}</title>
        <defs>
          <rect id="hc" width={cw - 1} height={ch - 1} />
          <rect id="hr" width={cols * cw - 1} height={ch - 1} />
        </defs>
        {hourTicks.map((m) => (
          <text x={left + ((m - lo) / intervalMinutes) * cw} y={12} class="axis">
            {hhmm(m)}
          </text>
        ))}
        {rowDays.map((d, i) => (
          <g transform={`translate(0 ${top + i * ch})`}>
            <title>{`${DAY_NAMES[weekday(d)]} ${d}: ${count(byDay.get(d)?.total ?? 0)} offered`}</title>
            <text x={0} y={8} class="axis small">
              {`${DAY_NAMES[weekday(d)]} ${d.slice(5)}`}
            </text>
            {byDay.has(d) && <use href="#hr" x={left} class="hm0" />}
            {byDay.get(d)?.cells.map((c) => (
              <use href="#hc" x={left + ((c.minute - lo) / intervalMinutes) * cw} class={`hm${step(c.offered)}`}>
                <title>{`${hhmm(c.minute)}: ${c.offered}`}</title>
              </use>
            ))}
          </g>
        ))}
        <g class="legend">
          {Array.from({ length: STEPS + 1 }, (_, s) => (
            <>
              <use href="#hc" x={left + s * 64} y={top + days * ch + 14} class={`hm${s}`} />
              <text x={left + s * 64 + cw + 2} y={top + days * ch + 22} class="axis small">
                {s === 0 ? "0" : `≤ ${Math.ceil((max * s) / STEPS)}`}
              </text>
            </>
          ))}
        </g>
      </svg>
      <figcaption>Contacts offered per interval, one row a day; darker is busier. Hover a cell for its value. Blank rows: no data.</figcaption>
    </figure>
  );
}

/** Daily offered contacts as a line (gaps where a day has no data), with its peak and a few date labels. */
export function DailyChart({ daily, from, to }: { daily: DailyTotal[]; from: string; to: string }) {
  if (daily.length === 0) return <p>No days in this range.</p>;
  const days = daysBetween(from, to) + 1;
  const w = 720;
  const h = 200;
  const left = 48;
  const top = 10;
  const plotW = w - left - 8;
  const plotH = h - top - 26;
  const max = Math.max(1, ...daily.map((d) => d.offered));
  const x = (day: string) => left + (days === 1 ? plotW / 2 : (daysBetween(from, day) / (days - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const segments: string[][] = [];
  let prev: string | null = null;
  for (const d of daily) {
    if (!prev || daysBetween(prev, d.day) > 1) segments.push([]);
    segments[segments.length - 1]!.push(`${x(d.day).toFixed(1)},${y(d.offered).toFixed(1)}`);
    prev = d.day;
  }
  const labels = [from, addDays(from, Math.floor((days - 1) / 2)), to];
  const peak = daily.reduce((a, b) => (b.offered > a.offered ? b : a));
  return (
    <figure class="volume-chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-labelledby="dc-title" class="daily-chart">
        <title id="dc-title">{`Contacts offered per day, ${from} to ${to}; peak ${peak.offered} on ${peak.day}`}</title>
        {[0, 0.5, 1].map((f) => (
          <>
            <line x1={left} x2={w - 8} y1={y(max * f)} y2={y(max * f)} class="grid" />
            <text x={left - 4} y={y(max * f) + 4} class="axis end">
              {Math.round(max * f)}
            </text>
          </>
        ))}
        {labels.map((d, i) => (
          <text x={x(d)} y={h - 6} class={`axis ${i === 0 ? "" : i === 2 ? "end" : "middle"}`}>
            {d}
          </text>
        ))}
        {segments.map((s) => (s.length === 1 ? <circle cx={s[0]!.split(",")[0]} cy={s[0]!.split(",")[1]} r={2} class="line-dot" /> : <polyline points={s.join(" ")} class="line" />))}
      </svg>
      <figcaption>Contacts offered per day. Peak: {count(peak.offered)} on {peak.day}.</figcaption>
    </figure>
  );
}

export function VolumesPage({ user, program, view, errors }: { user: InWorkspace; program: Program; view: VolumesView | null; errors?: FieldErrors }) {
  const slug = user.workspace.slug;
  const url = `${programUrl(slug, program.id)}/volumes`;
  const table = view ? view.daily.slice(-TABLE_MAX_DAYS).reverse() : [];
  return (
    <Layout title={`Volumes: ${program.name}`} user={user}>
      <CapacityNav slug={slug} />
      <p>
        <a href={programUrl(slug, program.id)}>{program.name}</a>
      </p>
      <h1>Contact volumes</h1>
      <form method="get" action={url} class="grid" novalidate>
        <FormErrors errors={errors} />
        {(["from", "to"] as const).map((k) => (
          <div class="field">
            <label for={`f-${k}`}>{k === "from" ? "From" : "To"}</label>
            <input id={`f-${k}`} name={k} type="date" value={view?.[k] ?? ""} aria-invalid={errors?.[k] ? "true" : undefined} aria-describedby={`f-${k}-msg`} />
            <div id={`f-${k}-msg`} aria-live="polite">
              {errors?.[k] && <FieldMessage id={`f-${k}`} message={errors[k]!} />}
            </div>
          </div>
        ))}
        <div class="actions">
          <button type="submit">Show</button>
        </div>
      </form>
      {view && view.summary.intervals === 0 && <p>This program has no history yet.</p>}
      {view && view.summary.intervals > 0 && (
        <>
          <p class="hint">
            History: {view.summary.firstDay} to {view.summary.lastDay}, {count(view.summary.days)} days.
          </p>
          <h2>Daily totals</h2>
          {view.chartFrom !== view.from && <p class="hint">The chart shows the last {CHART_MAX_DAYS} days of the range.</p>}
          <DailyChart daily={view.daily} from={view.chartFrom} to={view.to} />
          <h2>Intervals by day</h2>
          {view.heatFrom !== view.from && (
            <p class="hint">
              The heatmap shows at most {HEATMAP_MAX_DAYS / 7} weeks: {view.heatFrom} to {view.to}. Choose a later “From” to see other weeks.
            </p>
          )}
          <Heatmap cells={view.cells} from={view.heatFrom} to={view.to} intervalMinutes={program.intervalMinutes} />
          <h2>Last days</h2>
          {table.length === 0 ? (
            <p>No days with data in this range.</p>
          ) : (
            <div class="table-wrap" tabindex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">Offered</th>
                    <th scope="col">Handled</th>
                    <th scope="col">AHT (s)</th>
                  </tr>
                </thead>
                <tbody>
                  {table.map((d) => (
                    <tr>
                      <td>{`${DAY_NAMES[weekday(d.day)]} ${d.day}`}</td>
                      <td>{count(d.offered)}</td>
                      <td>{d.handled === null ? "–" : count(d.handled)}</td>
                      <td>{d.ahtSeconds === null ? "–" : Math.round(d.ahtSeconds)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {view.daily.length > TABLE_MAX_DAYS && <p class="hint">The table shows the last {TABLE_MAX_DAYS} days with data in the range.</p>}
        </>
      )}
    </Layout>
  );
}
