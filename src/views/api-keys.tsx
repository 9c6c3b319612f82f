import type { ApiKeyRow } from "../domain/api/keys.ts";
import type { FieldErrors } from "../domain/errors.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";
import { Field, FormErrors } from "./components.tsx";
import { Select } from "./crm/deals.tsx";
import { Layout, type Flash } from "./layout.tsx";

export interface ApiKeysPageProps {
  userName: string;
  membership: Membership;
  keys: ApiKeyRow[];
  /** The key just created, shown this once (P22). */
  created?: { name: string; key: string } | null;
  values?: Record<string, string>;
  errors?: FieldErrors;
  flash?: Flash | null;
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") + " UTC" : "never");

export function ApiKeysPage(p: ApiKeysPageProps) {
  const base = `/t/${p.membership.slug}/settings/api-keys`;
  return (
    <Layout title={`API keys · ${p.membership.name}`} user={{ name: p.userName, workspace: p.membership }} flash={p.flash}>
      <h1>API keys</h1>
      <p>
        Keys let other programs use this workspace through the <a href="/api/v1/reference">REST API</a>. A read key acts with a viewer's rights, a
        read-and-write key with a member's. Every change a key makes is in the audit trail under its name.
      </p>
      {p.created && (
        <section aria-labelledby="new-key-h" class="flash ok">
          <h2 id="new-key-h">Copy the key for “{p.created.name}” now</h2>
          <p>It is shown this once: Steward keeps only a hash of it.</p>
          <p>
            <code id="new-key">{p.created.key}</code>
          </p>
        </section>
      )}
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Access</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {p.keys.map((k) => (
              <tr>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.includes("write") ? "Read and write" : "Read"}</td>
                <td>
                  {when(k.created_at)}
                  {k.created_by_name && ` by ${k.created_by_name}`}
                </td>
                <td>{when(k.last_used_at)}</td>
                <td>
                  {k.revoked_at ? (
                    <span class="muted">Revoked {when(k.revoked_at)}</span>
                  ) : (
                    <form method="post" action={`${base}/${k.id}/revocation`}>
                      <button type="submit" class="danger">
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.keys.length === 0 && <p class="muted">No keys yet.</p>}
      <h2>Create a key</h2>
      <form method="post" action={base} class="form" novalidate>
        <FormErrors errors={p.errors} />
        <Field name="name" label="Name" value={p.values?.name} errors={p.errors} maxlength={100} hint="What uses it, e.g. “Website sync”." />
        <Select name="access" label="Access" value={p.values?.access ?? "read"} errors={p.errors} options={[["read", "Read"], ["write", "Read and write"]]} />
        <button type="submit">Create key</button>
      </form>
    </Layout>
  );
}
