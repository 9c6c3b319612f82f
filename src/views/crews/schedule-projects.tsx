import type { ProjectWeekPage } from "../../domain/crews/schedule-projects.ts";
import { hrefWith } from "../crm/fields.tsx";
import { Layout, type SignedIn } from "../layout.tsx";
import { CrewsNav } from "./nav.tsx";
import { Swatch, WeekNav } from "./schedule-parts.tsx";

// The schedule by project: for each project with anyone on it this week, the day's headcount and names.

export function ProjectWeekView({ user, slug, v }: { user: SignedIn; slug: string; v: ProjectWeekPage }) {
  const base = `/t/${slug}/crews/schedule/projects`;
  return (
    <Layout title={`By project ${v.key}`} user={user}>
      <CrewsNav slug={slug} current="by-project" />
      <h1>
        By project <small class="muted">week {v.key}, {v.range}</small>
      </h1>
      <WeekNav base={base} week={v} />
      <p>
        <a href={`/t/${slug}/crews/schedule?week=${v.key}`}>The week by foreman</a> · <a href={`/t/${slug}/crews/schedule/projects.xlsx?week=${v.key}`}>This view as Excel (.xlsx)</a>
      </p>
      {v.projects.length === 0 ? (
        <p>Nobody is on a project in week {v.key}.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table class="by-project">
            <thead>
              <tr>
                <th scope="col">Project</th>
                {v.labels.map((l) => (
                  <th scope="col">{l}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {v.projects.map((p) => (
                <tr>
                  <th scope="row">
                    <Swatch color={p.color} />
                    {p.name}
                    {p.number && <small> {p.number}</small>}
                  </th>
                  {p.days.map((names) => (
                    <td>
                      {names.length > 0 && (
                        <>
                          <strong class="count">{names.length}</strong> <small>{names.join(", ")}</small>
                        </>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">On projects, all pages</th>
                {v.totals.map((n) => (
                  <td class="num">{n}</td>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {v.pages > 1 && (
        <nav class="actions" aria-label="Pages">
          {Array.from({ length: v.pages }, (_, i) =>
            i + 1 === v.page ? <strong aria-current="page">Page {i + 1}</strong> : <a href={hrefWith(base, { week: v.key, page: String(i + 1) })}>Page {i + 1}</a>,
          )}
        </nav>
      )}
    </Layout>
  );
}
