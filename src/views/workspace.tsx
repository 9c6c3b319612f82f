import type { Membership } from "../domain/tenancy/workspaces.ts";
import { can, ROLE_LABELS } from "../domain/tenancy/permissions.ts";
import { Layout, type Flash } from "./layout.tsx";

export function WorkspaceHome({ userName, membership, flash }: { userName: string; membership: Membership; flash?: Flash | null }) {
  return (
    <Layout title={membership.name} user={{ name: userName, workspace: membership }} flash={flash}>
      <h1>{membership.name}</h1>
      <p class="lead">
        You are signed in as {userName}, {ROLE_LABELS[membership.role].toLowerCase()} of this workspace.
      </p>
      <div class="grid">
        <section class="card">
          <h2>Members</h2>
          <p>See who is in this workspace and what they may do.</p>
          <a href={`/t/${membership.slug}/members`}>Members</a>
        </section>
        <section class="card">
          <h2>Settings</h2>
          <p>Name, address, time zone, week start and units.</p>
          <a href={`/t/${membership.slug}/settings`}>Settings</a>
        </section>
        {can(membership.role, "audit.view") && (
          <section class="card">
            <h2>Audit trail</h2>
            <p>Who did what, when and from where; filter and download it.</p>
            <a href={`/t/${membership.slug}/settings/audit`}>Audit trail</a>
          </section>
        )}
      </div>
    </Layout>
  );
}

export function WorkspacesPage({ userName, workspaces }: { userName: string; workspaces: Membership[] }) {
  return (
    <Layout title="Your workspaces" user={{ name: userName }}>
      <h1>Your workspaces</h1>
      {workspaces.length === 0 ? (
        <p>You are not a member of any workspace yet.</p>
      ) : (
        <ul>
          {workspaces.map((w) => (
            <li>
              <a href={`/t/${w.slug}`}>{w.name}</a> <span class="muted">({ROLE_LABELS[w.role]})</span>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}
