import type { Analytics, Headcount } from "../../domain/crews/analytics.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { hrefWith } from "../crm/fields.tsx";
import { Layout, type SignedIn } from "../layout.tsx";
import { CrewsNav, crewsBase } from "./nav.tsx";

const n = (x: number) => x.toLocaleString("en-GB");

function HeadcountTable({ caption, label, rows, href }: { caption: string; label: string; rows: Headcount[]; href?: (id: string) => string }) {
  if (rows.length === 0) return null;
  return (
    <div class="table-wrap" tabindex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col" class="num">
              Person-days
            </th>
            <th scope="col" class="num">
              People
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <th scope="row">{r.id && href ? <a href={href(r.id)}>{r.name}</a> : (r.name ?? "No region")}</th>
              <td class="num">{n(r.personDays)}</td>
              <td class="num">{n(r.people)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AnalyticsPage({ user, slug, values, errors, data }: { user: SignedIn; slug: string; values: Record<string, string>; errors?: FieldErrors; data: Analytics | null }) {
  const base = `${crewsBase(slug)}/analytics`;
  const range = data ? { from: data.from, to: data.to } : {};
  return (
    <Layout title="Crews analytics" user={user}>
      <CrewsNav slug={slug} current="analytics" />
      <h1>Crews analytics</h1>
      <form method="get" action={base} class="search">
        <FormErrors errors={errors} />
        <Field name="from" label="From" type="date" value={values.from ?? data?.from} errors={errors} required={false} />
        <Field name="to" label="To" type="date" value={values.to ?? data?.to} errors={errors} required={false} />
        <button type="submit">Show</button>
      </form>
      {data && (
        <>
          <p>
            {data.from} to {data.to}: {n(data.totals.personDays)} person-days on projects by {n(data.totals.people)} people.
          </p>
          <h2>Headcount</h2>
          <HeadcountTable caption="By project (busiest first)" label="Project" rows={data.projects} href={(id) => `${crewsBase(slug)}/projects/${id}`} />
          {data.moreProjects > 0 && <p class="muted">And {data.moreProjects} more projects with fewer person-days.</p>}
          <HeadcountTable caption="By region (of the project)" label="Region" rows={data.regions} />
          <HeadcountTable caption="By trade" label="Trade" rows={data.trades} />
          {data.totals.personDays === 0 && <p>Nobody was on a project in this range.</p>}
          <h2>Utilisation</h2>
          <p class="hint">
            Weekdays on at least one project ÷ (weekdays in the range − weekdays on PTO or sick). Weekends are left out of both. A person on two projects the same
            day counts that day once here, in the total and by trade, and once on each project (and its region) above.
          </p>
          <div class="table-wrap" tabindex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Employee</th>
                  <th scope="col">Trade</th>
                  <th scope="col" class="num">
                    Project days
                  </th>
                  <th scope="col" class="num">
                    Working days
                  </th>
                  <th scope="col" class="num">
                    Utilisation
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.employees.map((e) => (
                  <tr>
                    <th scope="row">
                      <a href={`${crewsBase(slug)}/employees/${e.id}`}>{e.name}</a>
                    </th>
                    <td>{e.trade}</td>
                    <td class="num">{e.projectDays}</td>
                    <td class="num">{e.workingDays}</td>
                    <td class="num">{e.ratio === null ? "–" : `${Math.round(e.ratio * 100)} %`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.employees.length === 0 && <p>No active employees.</p>}
          {(values.after || data.next) && (
            <nav class="actions" aria-label="Pages">
              {values.after && <a href={hrefWith(base, range)}>First page</a>}
              {data.next && (
                <a href={hrefWith(base, { ...range, after: data.next })} rel="next">
                  Next
                </a>
              )}
            </nav>
          )}
        </>
      )}
    </Layout>
  );
}
