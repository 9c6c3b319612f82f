import type { LeaveRow } from "../../domain/capacity/leave.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import type { Flash } from "../layout.tsx";
import { capacityBase, Input, Page, PostButton, type Shell } from "./plans-ui.tsx";

export function LeavePage(props: { shell: Shell; rows: LeaveRow[]; more: boolean; canEdit: boolean; values: Record<string, string>; errors?: FieldErrors; flash?: Flash | null }) {
  const base = capacityBase(props.shell.workspace.slug);
  return (
    <Page shell={props.shell} title="Planned leave" flash={props.flash}>
      <p>
        <a href={base}>Capacity</a>
      </p>
      <h1>Planned leave</h1>
      <p class="hint">Leave lowers the available FTE of every plan of the agent's programs, for the days it covers. Only dates are kept, never the reason.</p>
      {props.canEdit && (
        <form method="post" action={`${base}/leave`} class="form card">
          <FormErrors errors={props.errors} />
          <Input name="employee_id" label="Employee ID" values={props.values} errors={props.errors} required />
          <Input name="from_day" label="First day" type="date" values={props.values} errors={props.errors} required />
          <Input name="to_day" label="Last day" type="date" values={props.values} errors={props.errors} required />
          <button type="submit">Add the leave</button>
        </form>
      )}
      {props.rows.length === 0 ? (
        <p class="muted">No leave planned.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Employee ID</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                {props.canEdit && <th scope="col">Remove</th>}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((l) => (
                <tr>
                  <td>
                    <a href={`${base}/agents/${l.agent_id}`}>{l.agent_name}</a>
                  </td>
                  <td>{l.employee_id}</td>
                  <td>{l.from_day}</td>
                  <td>{l.to_day}</td>
                  {props.canEdit && (
                    <td>
                      <PostButton action={`${base}/leave/${l.id}/deletion`} label="Delete" confirm="Delete this leave?" />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.more && <p class="muted">Showing the first 100 leaves that have not ended.</p>}
    </Page>
  );
}
