import type { CalculatorResult, CalculatorValues } from "../../domain/capacity/calculator.ts";
import type { QueueMetrics } from "../../domain/capacity/erlang.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Select } from "../crm/fields.tsx";
import { Layout, type SignedIn } from "../layout.tsx";

export interface CalculatorView {
  slug: string;
  values: CalculatorValues;
  errors?: FieldErrors;
  result: CalculatorResult | null;
}

const REGION = "calculator";
export const calculatorUrl = (slug: string) => `/t/${slug}/capacity/calculator`;

export function CalculatorPage({ user, view }: { user: SignedIn; view: CalculatorView }) {
  return (
    <Layout title="Erlang calculator" user={user}>
      <p class="subnav">
        <a href={`/t/${view.slug}/capacity`}>Capacity</a>
      </p>
      <h1>Erlang calculator</h1>
      <p class="lead">Agents needed for one interval of a queue: Erlang C, or Erlang A when callers have a patience.</p>
      <CalculatorRegion view={view} />
    </Layout>
  );
}

/** The form and its answer: the piece htmx swaps, so field messages and the table change together. */
export function CalculatorRegion({ view }: { view: CalculatorView }) {
  const { values, errors } = view;
  const action = calculatorUrl(view.slug);
  const num = (name: keyof CalculatorValues, label: string, hint: string, required = true) => (
    <Field name={name} label={label} hint={hint} value={values[name] ?? ""} errors={errors} inputmode="decimal" required={required} maxlength={20} />
  );
  return (
    <div id={REGION}>
      <form method="get" action={action} hx-get={action} hx-target={`#${REGION}`} hx-swap="outerHTML" hx-push-url="true" novalidate>
        <FormErrors errors={errors} />
        <div class="grid">
          <fieldset>
            <legend>Queue</legend>
            {num("contacts", "Contacts per interval", "Offered in one interval.")}
            <Select name="interval" label="Interval" value={values.interval ?? "30"} errors={errors} required
              options={[{ value: "15", label: "15 minutes" }, { value: "30", label: "30 minutes" }, { value: "60", label: "60 minutes" }]} />
            {num("aht", "Average handling time (seconds)", "Talk, hold and wrap-up.")}
            {num("patience", "Patience (seconds)", "Optional: callers' mean patience; set it for Erlang A (abandonment).", false)}
          </fieldset>
          <fieldset>
            <legend>Goals</legend>
            {num("sl_percent", "Service level (%)", "The 80 of 80/20.")}
            {num("sl_seconds", "Answered within (seconds)", "The 20 of 80/20.")}
            {num("max_occupancy", "Maximum occupancy (%)", "Optional, e.g. 85.", false)}
            {num("max_abandon", "Maximum abandonment (%)", "Optional, with a patience.", false)}
            {num("shrinkage", "Shrinkage (%)", "Optional: breaks, training, absence…", false)}
          </fieldset>
        </div>
        <div class="actions">
          <button type="submit">Calculate</button>
        </div>
      </form>
      {view.result && <CalculatorResultTable result={view.result} />}
    </div>
  );
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const seconds = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} s` : "∞");
const fixed = (x: number, digits: number) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function CalculatorResultTable({ result }: { result: CalculatorResult }) {
  const r = result.recommended;
  return (
    <section id="calc-result" aria-labelledby="calc-result-h">
      <h2 id="calc-result-h">Result</h2>
      <ul class="plan-facts">
        <li>Traffic: <strong>{fixed(result.trafficErlangs, 2)} Erlangs</strong></li>
        <li>Recommended: <strong>{r.agents} agents</strong> ({result.erlangA ? "Erlang A" : "Erlang C"})</li>
        <li>
          {result.shrinkage === null ? "FTE (no shrinkage): " : `FTE with ${fixed(result.shrinkage * 100, 1)} % shrinkage: `}
          <strong>{r.fte}</strong>
        </li>
      </ul>
      {result.rows.length === 0 ? (
        <p>No traffic: no agents are needed.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table class="calculator">
            <caption class="muted">Service level counts calls answered within the goal's seconds{result.erlangA ? "; abandoned calls count as missed" : ""}.</caption>
            <thead>
              <tr>
                <th class="num" scope="col">Agents</th>
                <th class="num" scope="col">Service level</th>
                <th class="num" scope="col">ASA</th>
                <th class="num" scope="col">Occupancy</th>
                <th class="num" scope="col">Waiting</th>
                {result.erlangA && <th class="num" scope="col">Abandoned</th>}
                <th scope="col"><span class="skip">Note</span></th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((m) => <Row m={m} erlangA={result.erlangA} recommended={m.agents === r.agents} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Row({ m, erlangA, recommended }: { m: QueueMetrics; erlangA: boolean; recommended: boolean }) {
  return (
    <tr class={recommended ? "recommended" : undefined} aria-current={recommended ? "true" : undefined}>
      <td class="num">{m.agents}</td>
      <td class="num">{pct(m.serviceLevel)}</td>
      <td class="num">{seconds(m.asaSeconds)}</td>
      <td class="num">{pct(m.occupancy)}</td>
      <td class="num">{pct(m.probabilityOfWaiting)}</td>
      {erlangA && <td class="num">{pct(m.abandonRate ?? 0)}</td>}
      <td>{recommended ? <strong class="badge ok">Recommended</strong> : ""}</td>
    </tr>
  );
}
