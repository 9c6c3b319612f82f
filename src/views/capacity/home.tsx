import type { ProgramSummary } from "../../domain/capacity/programs.ts";
import { Layout, type Flash, type SignedIn } from "../layout.tsx";

// The capacity module's home (/t/<slug>/capacity): its programs with their key figures, and the way to everything
// else in the module.

export type InWorkspace = SignedIn & { workspace: { name: string; slug: string } };

export const capacityBase = (slug: string) => `/t/${slug}/capacity`;
export const programUrl = (slug: string, id: string) => `${capacityBase(slug)}/programs/${id}`;

/** A fraction as a percent for people: 0.8 → "80 %", 0.125 → "12.5 %". */
export const percent = (f: number) => `${Math.round(f * 1000) / 10} %`;
export const CHANNEL_LABELS = { voice: "Voice", chat: "Chat", email: "Email" } as const;
export const count = (n: number) => n.toLocaleString("en-GB");

const SECTIONS = [
  ["", "Programs"],
  ["/agents", "Agents"],
  ["/leave", "Planned leave"],
  ["/calculator", "Erlang calculator"],
] as const;

/** The module's own navigation: one tap from any capacity page to the others. */
export function CapacityNav({ slug, current }: { slug: string; current?: "" | "/agents" | "/leave" | "/calculator" }) {
  return (
    <nav aria-label="Capacity" class="subnav">
      {SECTIONS.map(([path, label]) => (
        <a href={`${capacityBase(slug)}${path}`} aria-current={path === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

export function CapacityHomePage({ user, programs, more, canEdit, flash }: { user: InWorkspace; programs: ProgramSummary[]; more: boolean; canEdit: boolean; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const base = capacityBase(slug);
  return (
    <Layout title="Capacity planning" user={user} flash={flash}>
      <CapacityNav slug={slug} current="" />
      <h1>Capacity planning</h1>
      <p class="lead">Programs are the queues you plan: their goals, opening hours and contact history drive forecasts and staffing.</p>
      <div class="actions">
        {canEdit && (
          <a class="button" href={`${base}/programs/new`}>
            New program
          </a>
        )}
        <a href={`${base}/agents`}>Agents</a>
        <a href={`${base}/calculator`}>Erlang calculator</a>
      </div>
      <h2>Programs</h2>
      {programs.length === 0 ? (
        <p>No programs yet. {canEdit ? "Create one to import its contact history." : "An editor can create one."}</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Program</th>
                <th scope="col">Channel</th>
                <th scope="col">Interval</th>
                <th scope="col">Service-level goal</th>
                <th scope="col">Shrinkage</th>
                <th scope="col">History</th>
                <th scope="col">Days</th>
              </tr>
            </thead>
            <tbody>
              {programs.map((p) => (
                <tr>
                  <td>
                    <a href={programUrl(slug, p.id)}>{p.name}</a>
                  </td>
                  <td>{CHANNEL_LABELS[p.channel]}</td>
                  <td>{p.intervalMinutes} min</td>
                  <td>
                    {percent(p.slTarget)} in {p.slSeconds} s
                  </td>
                  <td>{p.shrinkageTotal} %</td>
                  <td>{p.firstDay ? `${p.firstDay} to ${p.lastDay}` : "none yet"}</td>
                  <td>{count(p.days)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && <p class="hint">Showing the first 100 programs by name.</p>}
    </Layout>
  );
}
