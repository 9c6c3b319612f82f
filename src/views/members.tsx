import type { FieldErrors } from "../domain/errors.ts";
import type { Role } from "../domain/schema.ts";
import type { OpenInvitation, PendingInvitation } from "../domain/tenancy/invitations.ts";
import type { ListedMember } from "../domain/tenancy/members.ts";
import { ROLE_LABELS, ROLES } from "../domain/tenancy/permissions.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";
import { Field, FormErrors } from "./components.tsx";
import { Layout, type Flash } from "./layout.tsx";

const day = (d: Date) => d.toISOString().slice(0, 10);

export interface MembersPageProps {
  userId: string;
  userName: string;
  membership: Membership;
  members: ListedMember[];
  truncated: boolean;
  /** Pending invitations; shown only to those who may manage members. */
  invitations: PendingInvitation[];
  canManage: boolean;
  canManageOwners: boolean;
  invite?: { values?: Record<string, string>; errors?: FieldErrors };
  /** An error about one member's row (a refused role change). */
  rowError?: { userId: string; message: string };
  flash?: Flash | null;
}

export function MembersPage(p: MembersPageProps) {
  const base = `/t/${p.membership.slug}/members`;
  return (
    <Layout title={`Members · ${p.membership.name}`} user={{ name: p.userName, workspace: p.membership }} flash={p.flash}>
      <h1>Members</h1>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span class="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {p.members.map((m) => (
              <MemberRow m={m} base={base} {...p} />
            ))}
          </tbody>
        </table>
      </div>
      {p.truncated && <p class="muted">Only the first {p.members.length} members are shown.</p>}
      {p.canManage && (
        <>
          <h2>Invite someone</h2>
          <InviteForm action={`${base}/invitations`} canManageOwners={p.canManageOwners} {...p.invite} />
          <h2>Pending invitations</h2>
          {p.invitations.length === 0 ? (
            <p class="muted">No invitations are waiting.</p>
          ) : (
            <ul>
              {p.invitations.map((i) => (
                <li>
                  {i.email} as {ROLE_LABELS[i.role]} <span class="muted">· invited {day(i.createdAt)}{i.invitedBy ? ` by ${i.invitedBy}` : ""} · expires {day(i.expiresAt)}</span>{" "}
                  <form method="post" action={`${base}/invitations/${i.id}/revocation`} class="inline">
                    <button type="submit" class="link">
                      Revoke
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Layout>
  );
}

function MemberRow({ m, base, ...p }: { m: ListedMember; base: string } & MembersPageProps) {
  const self = m.userId === p.userId;
  // Owners are changed only by owners; the server enforces this too.
  const editable = p.canManage && (m.role !== "owner" || p.canManageOwners);
  const error = p.rowError?.userId === m.userId ? p.rowError.message : null;
  return (
    <tr>
      <td>
        {m.name}
        {self && <span class="muted"> (you)</span>}
      </td>
      <td>{m.email}</td>
      <td>
        {editable ? (
          <form method="post" action={`${base}/${m.userId}/role`} class="inline">
            <RoleSelect id={`role-${m.userId}`} label={`Role of ${m.name}`} value={m.role} owners={p.canManageOwners} error={error} />
            <button type="submit" class="link">
              Change
            </button>
          </form>
        ) : (
          ROLE_LABELS[m.role]
        )}
      </td>
      <td>{day(m.joinedAt)}</td>
      <td>
        {(self || editable) && (
          <form method="post" action={`${base}/${m.userId}/removal`} class="inline">
            <button type="submit" class="link">
              {self ? "Leave workspace" : "Remove"}
            </button>
          </form>
        )}
      </td>
    </tr>
  );
}

function RoleSelect({ id, label, value, owners, error }: { id: string; label: string; value?: string; owners: boolean; error?: string | null }) {
  const roles = ROLES.filter((r) => owners || r !== "owner" || r === value);
  return (
    <>
      <select id={id} name="role" aria-label={label || undefined} aria-invalid={error ? "true" : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {roles.map((r: Role) => (
          <option value={r} selected={r === value}>
            {ROLE_LABELS[r]}
          </option>
        ))}
      </select>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

export function InviteForm({ action, canManageOwners, values = {}, errors }: { action: string; canManageOwners: boolean; values?: Record<string, string>; errors?: FieldErrors }) {
  return (
    <form method="post" action={action} class="form" id="invite-form" novalidate>
      <FormErrors errors={errors} />
      <Field name="email" label="Email" type="email" value={values.email} errors={errors} autocomplete="off" maxlength={320} />
      <label for="f-role">Role</label>
      <RoleSelect id="f-role" label="" value={values.role ?? "member"} owners={canManageOwners} error={errors?.role} />
      <p class="hint">They get an email with a link that works once, for 7 days.</p>
      <button type="submit">Send invitation</button>
    </form>
  );
}

export function InvitationGonePage({ userName }: { userName?: string | null }) {
  return (
    <Layout title="Invitation no longer valid" user={userName ? { name: userName } : null}>
      <div class="narrow">
        <h1>This invitation is no longer valid</h1>
        <p>It may have expired (invitations last 7 days), been used already, or been withdrawn. Ask the person who invited you to send a new one.</p>
      </div>
    </Layout>
  );
}

export function InvitationPage(p: { inv: OpenInvitation; token: string; userName?: string | null; accountExists?: boolean; values?: Record<string, string>; errors?: FieldErrors }) {
  const action = `/invitations/${p.token}`;
  return (
    <Layout title={`Join ${p.inv.workspace.name}`} user={p.userName ? { name: p.userName } : null}>
      <div class="narrow">
        <h1>Join {p.inv.workspace.name}</h1>
        <p class="lead">
          {p.inv.email} is invited to join as {ROLE_LABELS[p.inv.role].toLowerCase()}.
        </p>
        {p.userName ? (
          <form method="post" action={action} class="form">
            <p>You are signed in as {p.userName}. Accepting adds this account to the workspace.</p>
            <button type="submit">Accept and join</button>
          </form>
        ) : (
          <>
            <p class="actions">
              <a class="button" href={`/signin?next=${encodeURIComponent(action)}`}>
                Sign in to accept
              </a>
            </p>
            {p.accountExists ? (
              <>
                <FormErrors errors={p.errors} />
                <p>This address already has an account: sign in to accept.</p>
              </>
            ) : (
              <>
                <h2>Create an account</h2>
                <form method="post" action={action} class="form" novalidate>
                  <FormErrors errors={p.errors} />
                  <p>
                    Email: <strong>{p.inv.email}</strong>
                  </p>
                  <Field name="name" label="Your name" value={p.values?.name} errors={p.errors} autocomplete="name" maxlength={200} />
                  <Field name="password" label="Password" type="password" errors={p.errors} autocomplete="new-password" minlength={10} maxlength={256} hint="At least 10 characters." />
                  <button type="submit">Create account and join</button>
                </form>
              </>
            )}
          </>
        )}
      </div>
    </Layout>
  );
}
