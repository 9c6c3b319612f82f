import type { WeekFigures } from "../../domain/crews/projection-math.ts";
import type { ProjectionResult } from "../../domain/crews/projections.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FormErrors } from "../components.tsx";
import { Checkbox, hrefWith, Select } from "../crm/fields.tsx";
import { Layout, type SignedIn } from "../layout.tsx";
import { CrewsNav, crewsBase } from "./nav.tsx";
import { ProjectionChart } from "./projection-chart.tsx";

export interface ProjectionsPageProps {
  user: SignedIn;
  slug: string;
  /** The query as typed, to refill the form. */
  values: Record<string, string>;
  errors?: FieldErrors;
  result: ProjectionResult | null;
  /** Active and bid projects, to open one's requirements. */
  projects: { id: string; name: string }[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const dayMonth = (d: string) => `${Number(d.slice(8, 10))} ${MONTHS[Number(d.slice(5, 7)) - 1]}`;
/** Negative numbers with a real minus sign. */
const signed = (n: number) => (n < 0 ? `−${-n}` : String(n));

function Figures({ f }: { f: WeekFigures }) {
  return (
    <>
      <td>{f.required}</td>
      <td>{f.scheduled}</td>
      <td>{f.available}</td>
      {f.gap < 0 ? <td class="short">{signed(f.gap)} short</td> : <td>{signed(f.gap)}</td>}
    </>
  );
}

const HEADS = ["Req.", "Sched.", "Avail.", "Gap"];

export function ProjectionTable({ result }: { result: ProjectionResult }) {
  const { projection: p, labels, params } = result;
  const groups = [...p.trades.map((t) => ({ name: t.name, weeks: t.weeks })), ...(params.trade || p.trades.length < 2 ? [] : [{ name: "All trades", weeks: p.totals }])];
  if (groups.length === 0) return <p>No employees, requirements or schedule in these weeks yet.</p>;
  return (
    <div class="table-wrap" tabindex={0}>
      <table class="projection">
        <caption>
          People per week and trade. Gap = available − required; a negative gap is a shortfall.
        </caption>
        <thead>
          <tr>
            <th rowspan={2} scope="col">
              Week
            </th>
            {groups.map((g) => (
              <th colspan={4} scope="colgroup">
                {g.name}
              </th>
            ))}
          </tr>
          <tr>{groups.map(() => HEADS.map((h) => <th scope="col">{h}</th>))}</tr>
        </thead>
        <tbody>
          {p.weeks.map((w, i) => (
            <tr class={groups.some((g) => g.weeks[i]!.gap < 0) ? "short-week" : undefined}>
              <th scope="row">
                {labels[i]} <span class="muted">{dayMonth(w)}</span>
              </th>
              {groups.map((g) => (
                <Figures f={g.weeks[i]!} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ProjectionsPage({ user, slug, values, errors, result, projects }: ProjectionsPageProps) {
  const base = `${crewsBase(slug)}/projections`;
  const params = result?.params;
  const query = params ? { from: params.from, weeks: String(params.weeks), trade: params.trade, bids: params.bids ? "1" : "" } : {};
  const chosen = params?.trade ? result!.tradeChoices.find((t) => t.key === params.trade)?.name ?? params.trade : null;
  // A week is short when any trade is, even if another trade's spare people make the total look fine.
  const short = result ? result.projection.weeks.map((_, i) => result.projection.trades.some((t) => t.weeks[i]!.gap < 0)) : [];
  const shortWeeks = short.filter(Boolean).length;
  return (
    <Layout title="Manpower projections" user={user}>
      <CrewsNav slug={slug} current="projections" />
      <h1>Manpower projections</h1>
      <p class="pj-rule">
        <strong>Gap = available − required.</strong> A negative gap is a shortfall: that many more people of the trade are needed
        than the workspace has free that week.
      </p>
      <form method="get" action={base} class="search">
        <FormErrors errors={errors} />
        <Field name="from" label="First week" value={values.from ?? params?.from ?? ""} errors={errors} required={false} maxlength={8} hint="YYYY-Www" />
        <Select name="weeks" label="Weeks" value={values.weeks ?? String(params?.weeks ?? 26)} errors={errors} options={[{ value: "26", label: "26 weeks" }, { value: "52", label: "52 weeks" }]} />
        <Select name="trade" label="Trade" value={values.trade ?? params?.trade ?? ""} errors={errors} blank="All trades" options={(result?.tradeChoices ?? []).map((t) => ({ value: t.key, label: t.name }))} />
        <Checkbox name="bids" label="Count bids as well" checked={(values.bids ?? (params?.bids ? "1" : "")) === "1"} />
        <button type="submit">Show</button>
      </form>
      {result && (
        <>
          <p class="actions">
            <a class="button secondary" href={hrefWith(`${base}.xlsx`, query)}>
              Download Excel
            </a>
          </p>
          <p>
            {shortWeeks === 0 ? "No week is short of people." : `${shortWeeks} of ${params!.weeks} weeks are short of people${chosen ? ` (${chosen})` : ""}.`}
          </p>
          <ProjectionChart title={`People per week${chosen ? `: ${chosen}` : ", all trades"}`} weeks={result.projection.totals} short={short} labels={result.labels} />
          <ProjectionTable result={result} />
          <details>
            <summary>How the figures are counted</summary>
            <ul>
              <li>Required: the most people of the trade needed on any one day of the week, from the projects' requirements (active projects{params!.bids ? " and bids" : ""}). A requirement covering part of a week counts on the days it covers; two requirements add up only on the days they share.</li>
              <li>Scheduled: distinct employees of the trade on a project at least one day of the week (someone on two projects counts once).</li>
              <li>Available: active employees of the trade, less those on PTO every working day (Monday to Friday) of the week. Part-week PTO still counts as available.</li>
              <li>All trades: each trade's figures added up.</li>
            </ul>
          </details>
        </>
      )}
      <h2>Requirements</h2>
      <p>Each project's required headcount by trade and dates is entered on the project's requirements page.</p>
      {projects.length > 0 ? (
        <form method="get" action={`${crewsBase(slug)}/requirements`} class="search">
          <Select name="project" label="Project" options={projects.map((p) => ({ value: p.id, label: p.name }))} />
          <button type="submit">Open requirements</button>
        </form>
      ) : (
        <p>
          No active project yet: <a href={`${crewsBase(slug)}/projects`}>add one</a>.
        </p>
      )}
    </Layout>
  );
}
