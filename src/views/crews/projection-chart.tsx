import type { WeekFigures } from "../../domain/crews/projection-math.ts";

// Required, available and scheduled people per week, drawn on the server as SVG (no script, no inline style: the
// colours are classes in app.css). Weeks short of people get a shaded band, so a shortfall shows without colour too
// (the table beside it says the same in words).

const W = 720;
const H = 240;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

function step(max: number): number {
  const raw = max / 4;
  const p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  return ([1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p) || 1;
}

/** `short`: per week, whether any trade is short (the band), which the totals alone can hide. */
export function ProjectionChart({ title, weeks, short: shortWeeks, labels }: { title: string; weeks: WeekFigures[]; short: boolean[]; labels: string[] }) {
  const n = Math.max(1, weeks.length);
  const max = Math.max(1, ...weeks.flatMap((w) => [w.required, w.available, w.scheduled]));
  const tick = step(max);
  const top = Math.ceil(max / tick) * tick;
  const span = (W - PAD.left - PAD.right) / n;
  const x = (i: number) => PAD.left + span * (i + 0.5);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const ticks = Array.from({ length: Math.round(top / tick) + 1 }, (_, i) => i * tick);
  const line = (pick: (w: WeekFigures) => number) => weeks.map((w, i) => `${x(i).toFixed(1)},${y(pick(w)).toFixed(1)}`).join(" ");
  const short = shortWeeks.flatMap((s, i) => (s ? [i] : []));
  return (
    <figure class="chart projection-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} class="chart-svg">
        <title>{title}</title>
        {short.map((i) => (
          <rect x={(PAD.left + span * i).toFixed(1)} y={PAD.top} width={span.toFixed(1)} height={H - PAD.top - PAD.bottom} class="pj-short-band" />
        ))}
        {ticks.map((t) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} class="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end" class="chart-label">
              {t}
            </text>
          </g>
        ))}
        <polyline points={line((w) => w.available)} fill="none" class="chart-line pj-available" />
        <polyline points={line((w) => w.scheduled)} fill="none" class="chart-line pj-scheduled" />
        <polyline points={line((w) => w.required)} fill="none" class="chart-line pj-required" />
        <text x={PAD.left} y={H - 8} class="chart-label">
          {labels[0] ?? ""}
        </text>
        <text x={W - PAD.right} y={H - 8} text-anchor="end" class="chart-label">
          {labels.at(-1) ?? ""}
        </text>
      </svg>
      <figcaption class="chart-legend">
        <span class="chart-key pj-required">Required</span>
        <span class="chart-key pj-available">Available</span>
        <span class="chart-key pj-scheduled">Scheduled</span>
        {short.length > 0 && <span class="pj-short-key">Shaded: short ({short.length} {short.length === 1 ? "week" : "weeks"})</span>}
      </figcaption>
    </figure>
  );
}
