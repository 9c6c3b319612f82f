import type { PlanPageData } from "../../domain/capacity/plans-pages.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import type { Flash } from "../layout.tsx";
import { LineChart } from "./plans-chart.tsx";
import { capacityBase, Input, money, num, Page, pct, PostButton, signed, type Shell } from "./plans-ui.tsx";

export interface FormState {
  values: Record<string, string>;
  errors?: FieldErrors;
}

/** The what-if fields, shared by the settings form and "copy as scenario". */
export function ScenarioFields({ form }: { form: FormState }) {
  const { values, errors } = form;
  return (
    <>
      <Input name="volume_change" label="Volume change (%)" values={values} errors={errors} inputmode="decimal" hint="e.g. 10 for +10 % contacts; blank for none." />
      <Input name="aht_change" label="AHT change (%)" values={values} errors={errors} inputmode="decimal" hint="e.g. -5; or use seconds below, not both." />
      <Input name="aht_change_seconds" label="AHT change (seconds)" values={values} errors={errors} inputmode="numeric" hint="e.g. 30 for +30 s." />
      <Input name="service_level" label="Service-level goal (%)" values={values} errors={errors} inputmode="decimal" hint="Blank: the program's goal." />
      <Input name="shrinkage" label="Shrinkage (%)" values={values} errors={errors} inputmode="decimal" hint="Blank: the program's shrinkage." />
    </>
  );
}

export function PlanPage(props: { shell: Shell; data: PlanPageData; canEdit: boolean; settings: FormState; hiring?: FormState; scenario?: FormState; flash?: Flash | null }) {
  const { plan, program, weeks, totals, classes, scenarios, base: basePlan, shrinkage } = props.data;
  const base = capacityBase(props.shell.workspace.slug);
  const hiring = props.hiring ?? { values: { training_weeks: "4", ramp_weeks: "4" } };
  const scenario = props.scenario ?? { values: {} };
  const url = `${base}/plans/${plan.id}`;
  return (
    <Page shell={props.shell} title={plan.name} flash={props.flash}>
      <p>
        <a href={`${base}/programs/${program.id}`}>{program.name}</a> · <a href={`${base}/forecasts/${plan.forecast_id}`}>{plan.forecast_name}</a>
        {basePlan && (
          <>
            {" "}· what-if of <a href={`${base}/plans/${basePlan.id}`}>{basePlan.name}</a> · <a href={`${url}/comparison`}>Compare with it</a>
          </>
        )}
      </p>
      <h1>{plan.name}</h1>
      <p class="actions">
        <a href={`${url}.csv`} class="button">Download CSV</a> <a href={`${url}.xlsx`} class="button">Download Excel</a>
      </p>
      <ul class="plan-facts">
        <li>Peak required: {num(totals.maxRequired)} FTE</li>
        <li>Weeks short: {totals.shortWeeks} of {weeks.length}</li>
        <li>Cost of the gap: {money(totals.gapCost)}</li>
        <li>Shrinkage {pct(shrinkage)}, service level {pct(plan.service_level ?? program.slTarget, 0)} in {program.slSeconds} s</li>
      </ul>
      <LineChart
        title="FTE per week: required and available"
        labels={[weeks[0]?.week ?? "", weeks.at(-1)?.week ?? ""]}
        series={[
          { name: "Required FTE", cls: "chart-a", values: weeks.map((w) => w.required) },
          { name: "Available FTE", cls: "chart-b", values: weeks.map((w) => w.available) },
        ]}
      />
      <details class="hint">
        <summary>How these figures are computed</summary>
        <p>
          Required FTE = Σ over the week's intervals of (required agents × interval hours) ÷ (1 − shrinkage) ÷ {num(plan.weekly_hours)} h, the weekly hours of one
          FTE. Required agents per interval are the least that meet the service level{program.maxOccupancy !== null ? ", the occupancy cap" : ""}
          {program.patienceSeconds !== null ? " and the abandonment cap (Erlang A)" : " (Erlang C)"}.
        </p>
        <p>
          Available FTE = each active agent of the program × their FTE (divided among their programs) × the days of the week they are employed and not on leave ÷ 7, kept by
          attrition ((1 − monthly rate)^(12/52) a week), plus hiring classes: nothing during training, size × k ÷ (ramp weeks + 1) in ramp week k, then the full size.
        </p>
        <p>Gap = available − required: negative is a shortfall. Cost of the gap = shortfall FTE × weekly hours × hourly cost ({num(plan.hourly_cost, 2)}).</p>
      </details>
      <form method="get" action={`${url}/days`} class="form inline-form">
        <label for="f-day">Staffing of one day</label> <input id="f-day" name="day" type="date" value={plan.start_day} min={plan.start_day} required />{" "}
        <button type="submit">Show the day</button>
      </form>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Week</th>
              <th scope="col" class="num">Contacts</th>
              <th scope="col" class="num">Required FTE</th>
              <th scope="col" class="num">Available FTE</th>
              <th scope="col" class="num">Gap</th>
              <th scope="col" class="num">Cost of gap</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr class={w.gap < 0 ? "short" : undefined}>
                <td>
                  <a href={`${url}/days/${w.week}`}>{w.week}</a>
                </td>
                <td class="num">{num(w.contacts, 0)}</td>
                <td class="num">{num(w.required)}</td>
                <td class="num">{num(w.available)}</td>
                <td class="num">{signed(w.gap)}</td>
                <td class="num">{money(w.gapCost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Hiring classes</h2>
      {classes.length === 0 ? <p class="muted">No hiring classes.</p> : (
        <ul>
          {classes.map((c) => (
            <li>
              {c.size} from {c.start_day}: {c.training_weeks} weeks of training, {c.ramp_weeks} weeks of ramp{" "}
              {props.canEdit && <PostButton action={`${url}/hiring-classes/${c.id}/deletion`} label="Delete" confirm="Delete this hiring class?" />}
            </li>
          ))}
        </ul>
      )}
      {props.canEdit && (
        <>
          <form method="post" action={`${url}/hiring-classes`} class="form card">
            <h3>Add a hiring class</h3>
            <FormErrors errors={hiring.errors} />
            <Input name="start_day" label="Start day" type="date" values={hiring.values} errors={hiring.errors} required />
            <Input name="size" label="People" values={hiring.values} errors={hiring.errors} inputmode="numeric" required />
            <Input name="training_weeks" label="Training weeks" values={hiring.values} errors={hiring.errors} inputmode="numeric" required />
            <Input name="ramp_weeks" label="Ramp weeks to full productivity" values={hiring.values} errors={hiring.errors} inputmode="numeric" required />
            <button type="submit">Add the class</button>
          </form>
          <form method="post" action={url} class="form card">
            <h2>Plan settings</h2>
            <FormErrors errors={props.settings.errors} />
            <Input name="name" label="Name" values={props.settings.values} errors={props.settings.errors} required />
            <Input name="weekly_hours" label="Weekly hours of one FTE" values={props.settings.values} errors={props.settings.errors} inputmode="decimal" />
            <Input name="hourly_cost" label="Hourly cost of an agent" values={props.settings.values} errors={props.settings.errors} inputmode="decimal" />
            <Input name="monthly_attrition" label="Monthly attrition (%)" values={props.settings.values} errors={props.settings.errors} inputmode="decimal" />
            <ScenarioFields form={props.settings} />
            <button type="submit">Save and recompute</button>
          </form>
          <form method="post" action={`${url}/scenarios`} class="form card">
            <h2>Copy as a what-if scenario</h2>
            <p class="hint">The copy keeps this plan's hours, cost, attrition and hiring classes, with the changes below; you can then compare the two.</p>
            <FormErrors errors={scenario.errors} />
            <Input name="name" label="Scenario name" values={scenario.values} errors={scenario.errors} hint={`Blank: “${plan.name} (what-if)”.`} />
            <ScenarioFields form={scenario} />
            <button type="submit">Create the scenario</button>
          </form>
        </>
      )}
      {scenarios.length > 0 && (
        <>
          <h2>Scenarios of this plan</h2>
          <ul>
            {scenarios.map((s) => (
              <li>
                <a href={`${base}/plans/${s.id}`}>{s.name}</a> · <a href={`${base}/plans/${s.id}/comparison`}>compare</a>
              </li>
            ))}
          </ul>
        </>
      )}
      {props.canEdit && <PostButton action={`${url}/deletion`} label="Delete this plan" confirm="Delete this plan?" />}
    </Page>
  );
}
