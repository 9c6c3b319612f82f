import type { AdjustmentRow } from "../../domain/capacity/forecasts-adjustments.ts";
import type { ForecastPageData } from "../../domain/capacity/forecasts-page.ts";
import type { ForecastListRow } from "../../domain/capacity/forecasts.ts";
import type { Program } from "../../domain/capacity/programs.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import { Select } from "../crm/fields.tsx";
import type { Flash } from "../layout.tsx";
import { LineChart } from "./plans-chart.tsx";
import { capacityBase, Input, int, num, Page, pct, PostButton, signed, type Shell } from "./plans-ui.tsx";

const METHOD_OPTIONS = [
  { value: "profile", label: "Weekday × interval profile with trend" },
  { value: "holt-winters", label: "Holt-Winters (weekly season) spread by the intraday profile" },
];
const methodLabel = (m: string) => METHOD_OPTIONS.find((o) => o.value === m)?.label ?? m;
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/** WAPE of both methods side by side, the lower one marked. */
function Backtest({ backtest, chosen }: { backtest: Record<string, number> | null; chosen?: string }) {
  if (!backtest) return <p class="muted">No backtest: the program needs at least five weeks of history before the start day.</p>;
  const best = Object.entries(backtest).sort((a, b) => a[1] - b[1])[0]?.[0];
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <caption>Backtest: each method forecasts the last 4 weeks of history from the weeks before; WAPE of daily totals (lower is better)</caption>
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col" class="num">WAPE</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {METHOD_OPTIONS.map((o) => (
            <tr>
              <th scope="row">{o.label}</th>
              <td class="num">{backtest[o.value] === undefined ? "–" : pct(backtest[o.value]!)}</td>
              <td>{[o.value === best ? "most accurate" : null, o.value === chosen ? "used by this forecast" : null].filter(Boolean).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ForecastsPage(props: { shell: Shell; program: Program; rows: ForecastListRow[]; values: Record<string, string>; errors?: FieldErrors; canEdit: boolean; flash?: Flash | null }) {
  const base = capacityBase(props.shell.workspace.slug);
  const { program, errors, values } = props;
  return (
    <Page shell={props.shell} title={`Forecasts · ${program.name}`} flash={props.flash}>
      <p>
        <a href={`${base}/programs/${program.id}`}>{program.name}</a>
      </p>
      <h1>Forecasts</h1>
      {props.rows.length === 0 ? (
        <p class="muted">No forecasts yet.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Forecast</th>
                <th scope="col">Method</th>
                <th scope="col">From</th>
                <th scope="col" class="num">Weeks</th>
                <th scope="col" class="num">WAPE profile</th>
                <th scope="col" class="num">WAPE Holt-Winters</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((f) => (
                <tr>
                  <td>
                    <a href={`${base}/forecasts/${f.id}`}>{f.name}</a>
                  </td>
                  <td>{f.method === "profile" ? "Profile" : "Holt-Winters"}</td>
                  <td>{f.start_day}</td>
                  <td class="num">{f.horizon_weeks}</td>
                  <td class="num">{f.backtest?.profile === undefined ? "–" : pct(f.backtest.profile)}</td>
                  <td class="num">{f.backtest?.["holt-winters"] === undefined ? "–" : pct(f.backtest["holt-winters"])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.canEdit && (
        <form method="post" action={`${base}/programs/${program.id}/forecasts`} class="form card">
          <h2>New forecast</h2>
          <FormErrors errors={errors} />
          <Input name="name" label="Name (optional)" values={values} errors={errors} />
          <Select name="method" label="Method" options={METHOD_OPTIONS} value={values.method} errors={errors} required />
          <Input name="history_weeks" label="Weeks of history to learn from" values={values} errors={errors} inputmode="numeric" required hint="1 to 104; 8 is a good start." />
          <Input name="start_day" label="First day (a Monday)" type="date" values={values} errors={errors} required />
          <Input name="horizon_weeks" label="Weeks to forecast" values={values} errors={errors} inputmode="numeric" required hint="1 to 52." />
          <button type="submit">Compute the forecast</button>
        </form>
      )}
    </Page>
  );
}

function AdjustmentList({ base, forecastId, rows, canEdit }: { base: string; forecastId: string; rows: AdjustmentRow[]; canEdit: boolean }) {
  if (!rows.length) return <p class="muted">No adjustments: the forecast is as computed.</p>;
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Days</th>
            <th scope="col">Intervals</th>
            <th scope="col" class="num">Change</th>
            <th scope="col">Note</th>
            {canEdit && <th scope="col">Remove</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr>
              <td>{a.from_day === a.to_day ? a.from_day : `${a.from_day} – ${a.to_day}`}</td>
              <td>{a.from_minute === null ? "whole day" : `${hhmm(a.from_minute)}–${hhmm(a.to_minute!)}`}</td>
              <td class="num">{signed(a.change * 100, 1)} %</td>
              <td>{a.note}</td>
              {canEdit && (
                <td>
                  <PostButton action={`${base}/forecasts/${forecastId}/adjustments/${a.id}/deletion`} label="Delete" confirm="Delete this adjustment?" />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ForecastPage(props: { shell: Shell; data: ForecastPageData; canEdit: boolean; adjustment?: { values: Record<string, string>; errors?: FieldErrors }; plan?: { values: Record<string, string>; errors?: FieldErrors }; flash?: Flash | null }) {
  const { forecast: f, program, weeks, days, adjustments, plans } = props.data;
  const base = capacityBase(props.shell.workspace.slug);
  const adj = props.adjustment ?? { values: {} };
  const plan = props.plan ?? { values: { name: "Base plan", weekly_hours: "37.5", hourly_cost: "", monthly_attrition: "" } };
  const adjusted = adjustments.length > 0;
  return (
    <Page shell={props.shell} title={f.name} flash={props.flash}>
      <p>
        <a href={`${base}/programs/${program.id}`}>{program.name}</a> · <a href={`${base}/programs/${program.id}/forecasts`}>Forecasts</a>
      </p>
      <h1>{f.name}</h1>
      <p>
        {methodLabel(f.method)}, learnt from {f.history_weeks} weeks of history{f.history_from ? ` (${f.history_from} to ${f.history_to})` : ""}; {f.horizon_weeks} weeks of{" "}
        {f.interval_minutes}-minute intervals from {f.start_day}.
      </p>
      <Backtest backtest={f.backtest} chosen={f.method} />
      <LineChart
        title="Contacts per day: base forecast and adjusted"
        labels={[days[0]?.day ?? "", days.at(-1)?.day ?? ""]}
        series={[
          { name: "Base forecast", cls: "chart-a", values: days.map((d) => d.base) },
          ...(adjusted ? [{ name: "Adjusted", cls: "chart-b", values: days.map((d) => d.adjusted) }] : []),
        ]}
      />
      <h2>Plans on this forecast</h2>
      {plans.length === 0 ? <p class="muted">No plans yet.</p> : (
        <ul>
          {plans.map((p) => (
            <li>
              <a href={`${base}/plans/${p.id}`}>{p.name}</a>
              {p.base_plan_id && " (what-if scenario)"}
            </li>
          ))}
        </ul>
      )}
      {props.canEdit && (
        <form method="post" action={`${base}/forecasts/${f.id}/plans`} class="form card">
          <h3>New staffing plan</h3>
          <FormErrors errors={plan.errors} />
          <Input name="name" label="Name" values={plan.values} errors={plan.errors} required />
          <Input name="weekly_hours" label="Weekly hours of one FTE" values={plan.values} errors={plan.errors} inputmode="decimal" hint="37.5 if blank." />
          <Input name="hourly_cost" label="Hourly cost of an agent" values={plan.values} errors={plan.errors} inputmode="decimal" hint="Used for the cost of the gap; 0 if blank." />
          <Input name="monthly_attrition" label="Monthly attrition (%)" values={plan.values} errors={plan.errors} inputmode="decimal" hint="e.g. 2 for 2 % a month; 0 if blank." />
          <button type="submit">Create the plan</button>
        </form>
      )}
      <h2>Adjustments</h2>
      <p class="hint">Each adjustment multiplies the base forecast on its days (and intervals); overlapping adjustments multiply.</p>
      <AdjustmentList base={base} forecastId={f.id} rows={adjustments} canEdit={props.canEdit} />
      {props.canEdit && (
        <form method="post" action={`${base}/forecasts/${f.id}/adjustments`} class="form card">
          <h3>Adjust the forecast</h3>
          <FormErrors errors={adj.errors} />
          <Input name="from_day" label="First day" type="date" values={adj.values} errors={adj.errors} required />
          <Input name="to_day" label="Last day" type="date" values={adj.values} errors={adj.errors} required />
          <Input name="from_time" label="From (HH:MM, optional)" values={adj.values} errors={adj.errors} hint="Leave both times blank for whole days." />
          <Input name="to_time" label="Until (HH:MM, optional)" values={adj.values} errors={adj.errors} />
          <Input name="change" label="Change (%)" values={adj.values} errors={adj.errors} inputmode="decimal" required hint="e.g. 20 for +20 %, -15 for −15 %." />
          <Input name="note" label="Note" values={adj.values} errors={adj.errors} required hint="e.g. Spring campaign." />
          <button type="submit">Add the adjustment</button>
        </form>
      )}
      <h2>Weeks</h2>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Week (Monday)</th>
              <th scope="col" class="num">Base contacts</th>
              <th scope="col" class="num">Adjusted contacts</th>
              <th scope="col" class="num">Average AHT (s)</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr>
                <td>{w.week}</td>
                <td class="num">{int(w.base)}</td>
                <td class="num">{int(w.adjusted)}</td>
                <td class="num">{num(w.ahtSeconds, 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.canEdit && <PostButton action={`${base}/forecasts/${f.id}/deletion`} label="Delete this forecast and its plans" confirm="Delete this forecast and every plan on it?" />}
    </Page>
  );
}
