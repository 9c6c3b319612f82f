import type { MergeCandidate, MergeKind, MergePreview } from "../../domain/crm/merge.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { Layout, type SignedIn } from "../layout.tsx";

type InWorkspace = SignedIn & { workspace: { slug: string; name: string } };

const PLURAL = { contact: "contacts", company: "companies" } as const;
export const recordsBase = (slug: string, kind: MergeKind) => `/t/${slug}/crm/${PLURAL[kind]}`;
export const mergeUrl = (slug: string, kind: MergeKind, id: string, otherId?: string) => `${recordsBase(slug, kind)}/${id}/merge${otherId ? `/${otherId}` : ""}`;

export interface MergePickerProps {
  user: InWorkspace;
  kind: MergeKind;
  record: { id: string; label: string };
  q: string;
  likely: MergeCandidate[];
  /** Search results; null when nothing was searched. */
  results: MergeCandidate[] | null;
  errors?: FieldErrors;
}

function Candidates({ slug, kind, id, list }: { slug: string; kind: MergeKind; id: string; list: MergeCandidate[] }) {
  return (
    <ul class="results">
      {list.map((r) => (
        <li>
          <a href={mergeUrl(slug, kind, id, r.id)}>{r.label}</a> {r.detail && <span class="muted">{r.detail}</span>}
        </li>
      ))}
    </ul>
  );
}

/** Step one: choose the record to merge into this one. */
export function MergePickerPage({ user, kind, record, q, likely, results, errors }: MergePickerProps) {
  const slug = user.workspace.slug;
  const action = mergeUrl(slug, kind, record.id);
  return (
    <Layout title={`Merge ${record.label}`} user={user}>
      <p>
        <a href={`${recordsBase(slug, kind)}/${record.id}`}>{record.label}</a>
      </p>
      <h1>Merge {record.label} with another {kind}</h1>
      <p>Choose the duplicate. Next you pick, field by field, what {record.label} keeps; everything linked to the duplicate then moves here and the duplicate is deleted.</p>
      {errors?.other_id && (
        <div class="flash bad" role="alert">
          {errors.other_id}
        </div>
      )}
      <h2>Likely duplicates</h2>
      {likely.length === 0 ? (
        <p class="muted">{kind === "contact" ? "No other contact shares an email address or this name." : "No other company has this name or domain."}</p>
      ) : (
        <Candidates slug={slug} kind={kind} id={record.id} list={likely} />
      )}
      <h2>Search</h2>
      <form method="get" action={action} class="search" role="search">
        <FormErrors errors={errors?.q ? { q: errors.q } : undefined} />
        <Field name="q" label={kind === "contact" ? "Name or email" : "Name or domain"} type="search" value={q} errors={errors} required={false} maxlength={200} />
        <button type="submit">Search</button>
      </form>
      {results && (results.length === 0 ? <p>No {PLURAL[kind]} match.</p> : <Candidates slug={slug} kind={kind} id={record.id} list={results} />)}
    </Layout>
  );
}

const Value = ({ v }: { v: string | null }) => (v === null ? <span class="muted">(empty)</span> : <span class="pre">{v}</span>);

/** Step two: the two records side by side, a choice per field that differs, and the merge button. */
export function MergeComparePage({ user, preview, errors }: { user: InWorkspace; preview: MergePreview; errors?: FieldErrors }) {
  const { kind, survivor, other, fields, lists, moves } = preview;
  const slug = user.workspace.slug;
  const base = recordsBase(slug, kind);
  return (
    <Layout title={`Merge ${other.label} into ${survivor.label}`} user={user}>
      <p>
        <a href={mergeUrl(slug, kind, survivor.id)}>Choose another {kind}</a>
      </p>
      <h1>
        Merge <a href={`${base}/${other.id}`}>{other.label}</a> into <a href={`${base}/${survivor.id}`}>{survivor.label}</a>
      </h1>
      <p>
        {survivor.label} stays; {other.label} is deleted once everything linked to it has moved. Not the right way round?{" "}
        <a href={mergeUrl(slug, kind, other.id, survivor.id)}>Keep {other.label} instead</a>.
      </p>
      <form method="post" action={mergeUrl(slug, kind, survivor.id, other.id)} novalidate>
        <FormErrors errors={errors} message="Some choices are not valid; correct them and merge again." />
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">{survivor.label} (stays)</th>
                <th scope="col">{other.label} (deleted)</th>
              </tr>
            </thead>
            <tbody>
              {fields.map((f) => {
                const id = `f-${f.name.replace(/\./g, "-")}`;
                if (f.same)
                  return (
                    <tr>
                      <th scope="row">{f.label}</th>
                      <td colspan={2}>
                        <Value v={f.survivor} /> <span class="muted">(same in both)</span>
                      </td>
                    </tr>
                  );
                const radio = (side: "survivor" | "other", v: string | null) => (
                  <label class="choice">
                    <input type="radio" name={f.name} value={side} checked={f.choice === side} aria-describedby={`${id}-label ${id}-msg`} /> <Value v={v} />
                  </label>
                );
                return (
                  <tr>
                    <th scope="row" id={`${id}-label`}>
                      {f.label}
                    </th>
                    <td>{radio("survivor", f.survivor)}</td>
                    <td>
                      {radio("other", f.other)}
                      <div id={`${id}-msg`} aria-live="polite">
                        {errors?.[f.name] && <FieldMessage id={id} message={errors[f.name]!} />}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {lists.map((l) => (
          <>
            <h2>{l.label}</h2>
            {l.kept.length === 0 ? <p class="muted">None on either.</p> : <p>Both records' {l.label.toLowerCase()}, kept together: {l.kept.join(", ")}</p>}
            {l.dropped.length > 0 && (
              <p class="flash bad">
                At most 10 fit on a contact. These are not kept on it and go into a note on {survivor.label} instead: {l.dropped.join(", ")}
              </p>
            )}
          </>
        ))}
        <h2>What moves to {survivor.label}</h2>
        {moves.length === 0 ? <p class="muted">Nothing is linked to {other.label}.</p> : <p>{moves.map((m) => `${m.label}: ${m.count}`).join(", ")}.</p>}
        {errors?.other_id && <p class="field-error">{errors.other_id}</p>}
        <div class="actions">
          <button type="submit">Merge and delete {other.label}</button>
          <a class="button secondary" href={`${base}/${survivor.id}`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}
