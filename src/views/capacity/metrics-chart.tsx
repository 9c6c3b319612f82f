import type { PeriodAchieved } from "../../domain/capacity/metrics-math.ts";
import { addDays, daysBetween } from "../../domain/capacity/volumes.ts";

// Daily achieved service level against the goal, drawn on the server as SVG (no script, no inline style: classes
// in app.css). Days that miss are drawn as crosses and met days as dots, so the chart does not rely on colour.

const W = 720;
const H = 220;
const PAD = { left: 44, right: 10, top: 12, bottom: 28 };

const pctLabel = (f: number) => `${Math.round(f * 1000) / 10} %`;

export function ServiceLevelChart({ days, from, to, goal }: { days: PeriodAchieved[]; from: string; to: string; goal: number }) {
  const points = days.filter((d) => d.serviceLevel !== null);
  if (points.length === 0) return <p class="muted">No day in this range has contacts with staffing data to chart.</p>;
  const span = Math.max(1, daysBetween(from, to));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (day: string) => PAD.left + (daysBetween(from, day) / span) * plotW;
  const y = (f: number) => PAD.top + (1 - f) * plotH;
  // A line joins consecutive calendar days only: a day without data is a gap, not a slope.
  const segments: string[][] = [];
  let prev: string | null = null;
  for (const d of points) {
    if (!prev || addDays(prev, 1) !== d.start) segments.push([]);
    segments.at(-1)!.push(`${x(d.start).toFixed(1)},${y(d.serviceLevel!).toFixed(1)}`);
    prev = d.start;
  }
  const missed = points.filter((d) => d.misses.includes("serviceLevel"));
  const r = 3;
  return (
    <figure class="chart metrics-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="sl-title" class="chart-svg">
        <title id="sl-title">{`Achieved service level per day, ${from} to ${to}, against a goal of ${pctLabel(goal)}; ${missed.length} of ${points.length} days missed it`}</title>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(f)} y2={y(f)} class="chart-grid" />
            <text x={PAD.left - 6} y={y(f) + 4} text-anchor="end" class="chart-label">
              {`${f * 100} %`}
            </text>
          </g>
        ))}
        <line x1={PAD.left} x2={W - PAD.right} y1={y(goal)} y2={y(goal)} class="metrics-goal" />
        {segments.map((s) => s.length > 1 && <polyline points={s.join(" ")} fill="none" class="chart-line chart-a" />)}
        {points.map((d) => {
          const cx = x(d.start);
          const cy = y(d.serviceLevel!);
          const label = `${d.start}: ${pctLabel(d.serviceLevel!)}`;
          return d.misses.includes("serviceLevel") ? (
            <path d={`M${(cx - r).toFixed(1)} ${(cy - r).toFixed(1)}l${2 * r} ${2 * r}m0 ${-2 * r}l${-2 * r} ${2 * r}`} class="metrics-miss-mark">
              <title>{`${label}, missed`}</title>
            </path>
          ) : (
            <circle cx={cx.toFixed(1)} cy={cy.toFixed(1)} r={2} class="metrics-met-mark">
              <title>{label}</title>
            </circle>
          );
        })}
        <text x={PAD.left} y={H - 8} class="chart-label">
          {from}
        </text>
        <text x={W - PAD.right} y={H - 8} text-anchor="end" class="chart-label">
          {to}
        </text>
      </svg>
      <figcaption class="chart-legend">
        <span class="chart-key chart-a">Achieved service level</span>
        <span class="chart-key metrics-goal-key">Goal ({pctLabel(goal)})</span>
        <span>× missed · ● met</span>
      </figcaption>
    </figure>
  );
}
