import type { PlanRow } from "../../domain/capacity/plans.ts";
import type { Program } from "../../domain/capacity/programs.ts";
import type { IntervalStaffing } from "../../domain/capacity/staffing.ts";
import { capacityBase, num, Page, pct, type Shell } from "./plans-ui.tsx";

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const seconds = (s: number) => (Number.isFinite(s) ? num(s, 1) : "∞");

/** One day of a plan, interval by interval. */
export function DayPage(props: { shell: Shell; plan: PlanRow; program: Program; day: string; prev: string | null; next: string | null; rows: IntervalStaffing[] }) {
  const { plan, program, day, rows } = props;
  const base = capacityBase(props.shell.workspace.slug);
  const url = `${base}/plans/${plan.id}`;
  const erlangA = program.patienceSeconds !== null;
  const total = rows.reduce((s, r) => s + r.contacts, 0);
  const agentHours = rows.reduce((s, r) => s + (r.agents * plan.interval_minutes) / 60, 0);
  return (
    <Page shell={props.shell} title={`${plan.name} · ${day}`}>
      <p>
        <a href={url}>{plan.name}</a> · {program.name}
      </p>
      <h1>Staffing on {day}</h1>
      <p class="actions">
        {props.prev && <a href={`${url}/days/${props.prev}`}>← {props.prev}</a>} {props.next && <a href={`${url}/days/${props.next}`}>{props.next} →</a>}
      </p>
      <p>
        {num(total, 0)} contacts, {num(agentHours)} agent-hours. Agents are the least meeting the goals ({erlangA ? "Erlang A, with patience" : "Erlang C"}); FTE adds
        shrinkage.
      </p>
      {rows.length === 0 ? (
        <p class="muted">No contacts are forecast on this day.</p>
      ) : (
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Interval</th>
                <th scope="col" class="num">Contacts</th>
                <th scope="col" class="num">AHT (s)</th>
                <th scope="col" class="num">Traffic (Erl)</th>
                <th scope="col" class="num">Agents</th>
                <th scope="col" class="num">FTE</th>
                <th scope="col" class="num">Service level</th>
                <th scope="col" class="num">ASA (s)</th>
                <th scope="col" class="num">Occupancy</th>
                {erlangA && <th scope="col" class="num">Abandon</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>{hhmm(r.minute)}</td>
                  <td class="num">{num(r.contacts)}</td>
                  <td class="num">{num(r.ahtSeconds, 0)}</td>
                  <td class="num">{num(r.trafficErlangs, 2)}</td>
                  <td class="num">{r.agents}</td>
                  <td class="num">{r.fte}</td>
                  <td class="num">{pct(r.serviceLevel)}</td>
                  <td class="num">{seconds(r.asaSeconds)}</td>
                  <td class="num">{pct(r.occupancy)}</td>
                  {erlangA && <td class="num">{pct(r.abandonRate ?? 0)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
