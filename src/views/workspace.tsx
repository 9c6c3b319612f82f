import type { FieldErrors } from "../domain/errors.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";
import { Field, FormErrors, SlugField } from "./components.tsx";
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
      <p>
        <a class="button secondary" href="/workspaces/new">
          Create another workspace
        </a>
      </p>
    </Layout>
  );
}

export function NewWorkspacePage({ userName, values = {}, errors }: { userName: string; values?: Record<string, string>; errors?: FieldErrors }) {
  return (
    <Layout title="New workspace" user={{ name: userName }}>
      <div class="narrow">
        <h1>New workspace</h1>
        <p class="lead">You will be its owner. Its data is kept apart from your other workspaces.</p>
        <form method="post" action="/workspaces" class="form" novalidate>
          <FormErrors errors={errors} />
          <Field name="workspace_name" label="Workspace name" value={values.workspace_name} errors={errors} maxlength={120} autofocus validate="/signup/validation" />
          <SlugField value={values.slug} errors={errors} validate="/signup/validation" />
          <button type="submit">Create workspace</button>
        </form>
      </div>
    </Layout>
  );
}
