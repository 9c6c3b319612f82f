import type { Comparison } from "../../domain/capacity/scenarios.ts";
import { LineChart } from "./plans-chart.tsx";
import { capacityBase, money, num, Page, pct, signed, type Shell } from "./plans-ui.tsx";

const change = (v: number | null, unit = " %") => (v === null ? "–" : `${signed(v * 100)}${unit}`);

/** The scenario beside its base plan, week by week. */
export function ComparisonPage({ shell, data }: { shell: Shell; data: Comparison }) {
  const { base: b, scenario: s, rows, totals } = data;
  const url = `${capacityBase(shell.workspace.slug)}/plans`;
  return (
    <Page shell={shell} title={`${s.name} vs ${b.name}`}>
      <h1>
        <a href={`${url}/${s.id}`}>{s.name}</a> compared with <a href={`${url}/${b.id}`}>{b.name}</a>
      </h1>
      <p>
        Changes in the scenario: volume {change(s.volume_change)}, AHT {s.aht_change_seconds !== null ? `${signed(s.aht_change_seconds, 0)} s` : change(s.aht_change)}, service level{" "}
        {s.service_level === null ? "program's" : pct(s.service_level, 0)}, shrinkage {s.shrinkage === null ? "program's" : pct(s.shrinkage)}.
      </p>
      <p class="hint">Gap = available − required (negative: short). Cost of the gap = shortfall FTE × weekly hours × hourly cost, per plan.</p>
      <LineChart
        title="Required FTE per week: base and scenario"
        labels={[rows[0]?.week ?? "", rows.at(-1)?.week ?? ""]}
        series={[
          { name: `Base: ${b.name}`, cls: "chart-a", values: rows.map((r) => r.base.required) },
          { name: `Scenario: ${s.name}`, cls: "chart-b", values: rows.map((r) => r.scenario.required) },
        ]}
      />
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Week</th>
              <th scope="col" class="num">Required, base</th>
              <th scope="col" class="num">Required, scenario</th>
              <th scope="col" class="num">Difference</th>
              <th scope="col" class="num">Gap, base</th>
              <th scope="col" class="num">Gap, scenario</th>
              <th scope="col" class="num">Cost of gap, base</th>
              <th scope="col" class="num">Cost of gap, scenario</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{r.week}</td>
                <td class="num">{num(r.base.required)}</td>
                <td class="num">{num(r.scenario.required)}</td>
                <td class="num">{signed(r.scenario.required - r.base.required)}</td>
                <td class="num">{signed(r.base.gap)}</td>
                <td class="num">{signed(r.scenario.gap)}</td>
                <td class="num">{money(r.base.gapCost)}</td>
                <td class="num">{money(r.scenario.gapCost)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total / peak</th>
              <td class="num">{num(totals.base.maxRequired)}</td>
              <td class="num">{num(totals.scenario.maxRequired)}</td>
              <td class="num">{signed(totals.scenario.maxRequired - totals.base.maxRequired)}</td>
              <td class="num">{totals.base.shortWeeks} weeks short</td>
              <td class="num">{totals.scenario.shortWeeks} weeks short</td>
              <td class="num">{money(totals.base.gapCost)}</td>
              <td class="num">{money(totals.scenario.gapCost)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </Page>
  );
}
