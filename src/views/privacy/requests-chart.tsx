import type { WeeklyStats } from "../../domain/privacy/request-stats.ts";

// Drawn on the server: no script, no inline style (the CSP forbids both); colours come from app.css classes.
const W = 600;
const H = 150;
const PAD = { top: 10, right: 8, bottom: 24, left: 28 };

export function WeeklyChart({ stats }: { stats: WeeklyStats }) {
  const max = Math.max(1, ...stats.weeks.flatMap((w) => [w.received, w.completed]));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, stats.weeks.length);
  const bar = Math.max(2, slot / 2 - 3);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const label = (d: Date) => d.toISOString().slice(5, 10);
  const summary = `Requests per week over the last ${stats.weeks.length} weeks: ${stats.weeks.reduce((s, w) => s + w.received, 0)} received, ${stats.weeks.reduce((s, w) => s + w.completed, 0)} completed.`;
  return (
    <figure class="request-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} xmlns="http://www.w3.org/2000/svg">
        <title>{summary}</title>
        <line class="chart-axis" x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} />
        <text class="chart-label" x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">
          {max}
        </text>
        <text class="chart-label" x={PAD.left - 4} y={PAD.top + plotH} text-anchor="end">
          0
        </text>
        {stats.weeks.map((w, i) => {
          const x = PAD.left + i * slot + 2;
          return (
            <g>
              <rect class="chart-received" x={x} y={y(w.received)} width={bar} height={PAD.top + plotH - y(w.received)}>
                <title>{`Week of ${label(w.start)}: ${w.received} received`}</title>
              </rect>
              <rect class="chart-completed" x={x + bar + 1} y={y(w.completed)} width={bar} height={PAD.top + plotH - y(w.completed)}>
                <title>{`Week of ${label(w.start)}: ${w.completed} completed`}</title>
              </rect>
              {i % 2 === 0 && (
                <text class="chart-label" x={x + bar} y={H - 8} text-anchor="middle">
                  {label(w.start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="chart-key chart-key-received">Received</span> <span class="chart-key chart-key-completed">Completed</span> · Median time to complete:{" "}
        <strong>{stats.medianDays === null ? "no completed requests yet" : `${stats.medianDays} days`}</strong>
      </figcaption>
    </figure>
  );
}
