import type { FieldErrors } from "../../domain/errors.ts";
import type { AttributionReport, AttributionRow } from "../../domain/leadforms/attribution.ts";
import { Field, FormErrors } from "../components.tsx";
import { CrmNav } from "../crm/nav.tsx";
import { hrefWith } from "../crm/fields.tsx";
import { Layout, type SignedIn } from "../layout.tsx";

// The attribution report: leads, converted leads and won amounts by source, medium and campaign over a date range.

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

// Minor units → major, for display; the view may not import the domain's money helpers at runtime.
const DECIMALS: Record<string, number> = { JPY: 0 };
function money(minor: string, currency: string): string {
  const d = DECIMALS[currency] ?? 2;
  const n = BigInt(minor);
  const unit = 10n ** BigInt(d);
  const whole = (n / unit).toLocaleString("en-GB");
  return d ? `${whole}.${(n % unit).toString().padStart(d, "0")}` : whole;
}
const pct = (r: AttributionRow) => (r.leads ? `${Math.round((r.converted / r.leads) * 100)}%` : "–");

export function AttributionPage({ user, values, report, errors }: { user: InWorkspace; values: Record<string, string>; report: AttributionReport | null; errors?: FieldErrors }) {
  const base = `/t/${user.workspace.slug}/crm/attribution`;
  return (
    <Layout title="Attribution" user={user}>
      <CrmNav slug={user.workspace.slug} current="attribution" />
      <h1>Attribution</h1>
      <p class="lead">Leads created in the range by source, medium and campaign (their UTM parameters; a lead without utm_source shows its own source), how many were converted, and the won deals they became.</p>
      <form method="get" action={base} class="form filters" novalidate>
        <FormErrors errors={errors} />
        <Field name="from" label="From" type="date" value={values.from} errors={errors} hint="YYYY-MM-DD" />
        <Field name="to" label="To" type="date" value={values.to} errors={errors} hint="YYYY-MM-DD, included" />
        <div class="actions">
          <button type="submit">Show</button>
          {report && <a href={hrefWith(`${base}.csv`, { from: report.from, to: report.to })}>Download CSV</a>}
        </div>
      </form>
      {report && <AttributionTable report={report} />}
    </Layout>
  );
}

function AttributionTable({ report }: { report: AttributionReport }) {
  if (report.rows.length === 0) return <p class="muted">No leads were created between {report.from} and {report.to}.</p>;
  const cells = (r: AttributionRow) => (
    <>
      <td>{r.leads}</td>
      <td>{r.converted}</td>
      <td>{pct(r)}</td>
      <td>{r.wonDeals}</td>
      {report.currencies.map((c) => (
        <td>{r.won[c] ? money(r.won[c]!, c) : "0"}</td>
      ))}
    </>
  );
  const none = <span class="muted">(none)</span>;
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <caption>
          {report.from} to {report.to}
          {report.truncated ? ": the smallest groups are summed in the last row" : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Medium</th>
            <th scope="col">Campaign</th>
            <th scope="col">Leads</th>
            <th scope="col">Converted</th>
            <th scope="col">Rate</th>
            <th scope="col">Won deals</th>
            {report.currencies.map((c) => (
              <th scope="col">Won {c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.rows.map((r) => (
            <tr>
              <td>{r.source ?? none}</td>
              <td>{r.medium ?? none}</td>
              <td>{r.campaign ?? none}</td>
              {cells(r)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colspan={3}>
              Total
            </th>
            {cells(report.totals)}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
