// The crews module's own navigation, on every crews page. Paths are relative to /t/:slug/crews; each helper's
// routes answer at these paths (SCHEDULE: schedule, by-project; PROJECTIONS: projections, analytics; POURS: pours;
// PEOPLE: employees, projects, regions, settings).
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
