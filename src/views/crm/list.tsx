import type { Child } from "hono/jsx";
import { Pager, Select, type Option } from "./fields.tsx";

// The skeleton the CRM list pages (companies, contacts, leads, deals) share: a filter form that htmx swaps in place,
// a results table whose rows editors can tick for a bulk action, the page links and the empty state. The markup is
// the pages' original markup, byte for byte: tests and the htmx targets depend on it.

/** The attributes that swap a list's region in place and keep the address bar in step, so Back works. */
export const swapInto = (target: string) => ({ "hx-target": target, "hx-swap": "outerHTML", "hx-push-url": "true" });

/** The filters and the results: the region htmx swaps when the filters change or a page turns. */
export function ListRegion({ id, action, children, results }: { id: string; action: string; children: Child; results: Child }) {
  return (
    <div id={id}>
      <form method="get" action={action} hx-get={action} {...swapInto(`#${id}`)} novalidate>
        {children}
      </form>
      {results}
    </div>
  );
}

/** The filter form's buttons: apply, reset to the unfiltered list, and download what the filters match. */
export function FilterActions({ submit, clear, clearHref, csvHref }: { submit: string; clear: string; clearHref: string; csvHref: string }) {
  return (
    <div class="actions">
      <button type="submit">{submit}</button>
      <a class="button secondary" href={clearHref}>
        {clear}
      </a>
      <a href={csvHref}>Export CSV</a>
    </div>
  );
}

/**
 * The results: a table, or `none` when nothing matches, then `pager`. With `bulk` (editors only) the table gets a
 * "Select" column and sits in one form with the BulkBar, so ticked rows (checkboxes named `ids`, see SelectCell) and
 * the action post together without JavaScript.
 */
export function ListResults<T>({ label, rows, row, none, headers, bulk, pager }: { label: string; rows: T[]; row: (r: T) => Child; none: string; headers: Child; bulk?: { action: string; members: Option[] } | null; pager: Child }) {
  const table = (
    <div class="table-wrap" tabindex={0}>
      <table>
        <thead>
          <tr>
            {bulk && (
              <th scope="col">
                <span class="muted">Select</span>
              </th>
            )}
            {headers}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </div>
  );
  return (
    <section aria-label={label}>
      {rows.length === 0 ? (
        <p>{none}</p>
      ) : bulk ? (
        <form method="post" action={bulk.action}>
          {table}
          <BulkBar members={bulk.members} />
        </form>
      ) : (
        table
      )}
      {pager}
    </section>
  );
}

/** A row's tick box for the bulk actions; `label` names the row for screen readers. */
export function SelectCell({ id, label }: { id: string; label: string }) {
  return (
    <td>
      <input type="checkbox" name="ids" value={id} aria-label={`Select ${label}`} />
    </td>
  );
}

/** The page links. `always` keeps an empty nav when there is one page only, as the leads and deals lists always have. */
export function ListPager({ first, next, target, always = false }: { first: string | null; next: string | null; target: string; always?: boolean }) {
  if (always && !first && !next) return <nav class="actions" aria-label="Pages"></nav>;
  return <Pager first={first} next={next} target={target} />;
}

/** Under a list: what to do with the ticked rows. */
export function BulkBar({ members }: { members: Option[] }) {
  return (
    <fieldset class="grid">
      <legend>With the selected rows (up to 500)</legend>
      <Select
        name="action"
        label="Action"
        options={[
          { value: "assign", label: "Assign to owner" },
          { value: "delete", label: "Delete" },
        ]}
        value="assign"
      />
      {/* The deals list's filter has its own owner select: f-owner_id is taken. */}
      <Select name="owner_id" id="f-bulk-owner_id" label="New owner" options={members} blank="Nobody" hint="For “Assign to owner”." />
      <div class="actions">
        <button type="submit">Apply to selected</button>
      </div>
    </fieldset>
  );
}
