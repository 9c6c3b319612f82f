// The crews module's own navigation, on every crews page. Paths are relative to /t/:slug/crews; each helper's
// routes answer at these paths (SCHEDULE: schedule, by-project; PROJECTIONS: projections, analytics; POURS: pours;
// PEOPLE: employees, projects, regions, settings).
import type { Child } from "hono/jsx";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import { Layout, type SignedIn } from "../layout.tsx";

/** A signed-in member inside a workspace, as every crews page receives them. */
export type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

export const CREWS_SECTIONS = [
  ["schedule", "Schedule"],
  ["by-project", "By project"],
  ["projections", "Projections"],
  ["analytics", "Analytics"],
  ["pours", "Pours"],
  ["employees", "Employees"],
  ["projects", "Projects"],
  ["regions", "Regions"],
  ["settings", "Settings"],
] as const;

export type CrewsSection = (typeof CREWS_SECTIONS)[number][0];

/** Where a section lives when its path is not its key (the by-project view is SCHEDULE's /schedule/projects). */
const PATHS: Partial<Record<CrewsSection, string>> = { "by-project": "schedule/projects" };

export function crewsBase(slug: string): string {
  return `/t/${slug}/crews`;
}

export function CrewsNav({ slug, current }: { slug: string; current?: CrewsSection }) {
  return (
    <nav aria-label="Crews" class="subnav">
      {CREWS_SECTIONS.map(([key, label]) => (
        <a href={`/t/${slug}/crews/${PATHS[key] ?? key}`} aria-current={key === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/**
 * A crews record's own form page (employee, project, region, pour): the module's menu, a link back to the record
 * or the list, the heading, and the form with its error summary. The fields and the submit button are the children.
 */
export function CrewsFormPage(p: {
  user: InWorkspace;
  current: CrewsSection;
  title: string;
  back: { href: string; label: string };
  action: string;
  errors?: FieldErrors;
  intro?: Child;
  children: Child;
}) {
  return (
    <Layout title={p.title} user={p.user}>
      <CrewsNav slug={p.user.workspace.slug} current={p.current} />
      <p>
        <a href={p.back.href}>{p.back.label}</a>
      </p>
      <h1>{p.title}</h1>
      {p.intro}
      <form method="post" action={p.action} class="form" novalidate>
        <FormErrors errors={p.errors} />
        {p.children}
      </form>
    </Layout>
  );
}
