// Line charts drawn on the server as SVG: no script, no inline style (colours come from classes in app.css).

export interface Series {
  name: string;
  /** A class from app.css (chart-a, chart-b): the line's colour. */
  cls: string;
  values: number[];
}

const W = 720;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A round step for the y axis: 1, 2 or 5 × 10^k, about four ticks. */
function step(max: number): number {
  const raw = max / 4;
  const p = Math.pow(10, Math.floor(Math.log10(raw || 1)));
  return ([1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p) || 1;
}

const fmt = (n: number) => (n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(Math.round(n * 10) / 10));

/** Lines over x = 0…n−1 with the first and last labels under the axis; the title doubles as the accessible name. */
export function LineChart({ title, series, labels }: { title: string; series: Series[]; labels: string[] }) {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const tick = step(max);
  const top = Math.ceil(max / tick) * tick;
  const x = (i: number) => PAD.left + (n === 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const ticks = Array.from({ length: Math.round(top / tick) + 1 }, (_, i) => i * tick);
  const points = (values: number[]) => values.map((v, i) => `${x(i).toFixed(1)},${y(Math.max(0, v)).toFixed(1)}`).join(" ");
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} class="chart-svg">
        <title>{title}</title>
        {ticks.map((t) => (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} class="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end" class="chart-label">
              {fmt(t)}
            </text>
          </g>
        ))}
        {series.map((s) => (
          <polyline points={points(s.values)} fill="none" class={`chart-line ${s.cls}`} />
        ))}
        <text x={PAD.left} y={H - 8} class="chart-label">
          {labels[0] ?? ""}
        </text>
        <text x={W - PAD.right} y={H - 8} text-anchor="end" class="chart-label">
          {labels.at(-1) ?? ""}
        </text>
      </svg>
      <figcaption class="chart-legend">
        {series.map((s) => (
          <span class={`chart-key ${s.cls}`}>{s.name}</span>
        ))}
      </figcaption>
    </figure>
  );
}
