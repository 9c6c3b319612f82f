import type { AgentListRow } from "../../domain/capacity/agent-lists.ts";
import { AGENT_STATUSES, STATUS_LABELS, type Agent } from "../../domain/capacity/agents.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import { hrefWith, Select } from "../crm/fields.tsx";
import { ListPager, ListRegion, ListResults } from "../crm/list.tsx";
import { Layout, type Flash } from "../layout.tsx";
import { capacityBase, CapacityNav, programUrl, type InWorkspace } from "./home.tsx";

// Agents: the list (filters swap in place with htmx and work as a plain GET form without), a record page and the form.

export const agentsBase = (slug: string) => `${capacityBase(slug)}/agents`;
const STATUS_OPTIONS = AGENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }));

export interface AgentListView {
  slug: string;
  values: Record<string, string>;
  rows: AgentListRow[];
  next: string | null;
  programs: { id: string; name: string }[];
  errors?: FieldErrors;
  canEdit: boolean;
}

export function AgentsRegion({ list }: { list: AgentListView }) {
  const base = agentsBase(list.slug);
  const v = list.values;
  const filters = { status: v.status, program: v.program, q: v.q };
  return (
    <ListRegion
      id="agents-region"
      action={base}
      results={
        <ListResults
          label="Agents"
          rows={list.rows}
          none="No agents match."
          headers={
            <>
              <th scope="col">Name</th>
              <th scope="col">Employee ID</th>
              <th scope="col">FTE</th>
              <th scope="col">Status</th>
              <th scope="col">Programs</th>
              <th scope="col">Start</th>
              <th scope="col">End</th>
            </>
          }
          row={(a) => (
            <tr>
              <td>
                <a href={`${base}/${a.id}`}>{a.name}</a>
              </td>
              <td>{a.employee_id}</td>
              <td>{Number(a.fte)}</td>
              <td>{STATUS_LABELS[a.status]}</td>
              <td>{a.programs.join(", ") || "–"}</td>
              <td>{a.start_date}</td>
              <td>{a.end_date ?? "–"}</td>
            </tr>
          )}
          pager={<ListPager first={v.after ? hrefWith(base, filters) : null} next={list.next ? hrefWith(base, { ...filters, after: list.next }) : null} target="#agents-region" />}
        />
      }
    >
      <FormErrors errors={list.errors} />
      <div class="grid">
        <Field name="q" label="Search" type="search" value={v.q} errors={list.errors} required={false} maxlength={100} hint="Name or employee ID." autocomplete="off" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={v.status} blank="Any" errors={list.errors} />
        <Select name="program" label="Program" options={list.programs.map((p) => ({ value: p.id, label: p.name }))} value={v.program} blank="Any" errors={list.errors} />
      </div>
      <div class="actions">
        <button type="submit">Filter</button>
        <a class="button secondary" href={base}>
          Clear
        </a>
        <a href={hrefWith(`${base}.csv`, filters)}>Export CSV</a>
      </div>
    </ListRegion>
  );
}

export function AgentsPage({ user, list, flash }: { user: InWorkspace; list: AgentListView; flash?: Flash | null }) {
  const base = agentsBase(list.slug);
  return (
    <Layout title="Agents" user={user} flash={flash}>
      <CapacityNav slug={list.slug} current="/agents" />
      <h1>Agents</h1>
      {list.canEdit && (
        <div class="actions">
          <a class="button" href={`${base}/new`}>
            New agent
          </a>
          <a href={`${base}/imports`}>Import from CSV</a>
        </div>
      )}
      <AgentsRegion list={list} />
    </Layout>
  );
}

export function AgentPage({ user, agent: a, canEdit, flash }: { user: InWorkspace; agent: Agent; canEdit: boolean; flash?: Flash | null }) {
  const slug = user.workspace.slug;
  const base = agentsBase(slug);
  return (
    <Layout title={a.name} user={user} flash={flash}>
      <CapacityNav slug={slug} current="/agents" />
      <p>
        <a href={base}>Agents</a>
      </p>
      <h1>{a.name}</h1>
      <dl class="record">
        <dt>Employee ID</dt>
        <dd>{a.employeeId}</dd>
        <dt>FTE</dt>
        <dd>{a.fte}</dd>
        <dt>Status</dt>
        <dd>{STATUS_LABELS[a.status]}</dd>
        <dt>Start date</dt>
        <dd>{a.startDate}</dd>
        <dt>End date</dt>
        <dd>{a.endDate ?? "–"}</dd>
        <dt>Programs</dt>
        <dd>
          {a.programs.length === 0
            ? "None"
            : a.programs.map((p, i) => (
                <>
                  {i > 0 && ", "}
                  <a href={programUrl(slug, p.id)}>{p.name}</a>
                </>
              ))}
        </dd>
      </dl>
      {canEdit && (
        <div class="actions">
          <a class="button" href={`${base}/${a.id}/edit`}>
            Edit
          </a>
          <form method="post" action={`${base}/${a.id}/deletion`} class="inline">
            <button type="submit" class="secondary">
              Delete agent
            </button>
          </form>
        </div>
      )}
    </Layout>
  );
}

export interface AgentFormProps {
  user: InWorkspace;
  agent?: { id: string; name: string };
  values: Record<string, string>;
  programIds: string[];
  programs: { id: string; name: string }[];
  errors?: FieldErrors;
}

export function AgentFormPage({ user, agent, values, programIds, programs, errors }: AgentFormProps) {
  const base = agentsBase(user.workspace.slug);
  const title = agent ? `Edit ${agent.name}` : "New agent";
  return (
    <Layout title={title} user={user}>
      <p>
        <a href={agent ? `${base}/${agent.id}` : base}>{agent ? agent.name : "Agents"}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={agent ? `${base}/${agent.id}` : base} class="form" novalidate>
        <FormErrors errors={errors} />
        <Field name="name" label="Name" value={values.name} errors={errors} maxlength={200} autocomplete="off" />
        <Field name="employee_id" label="Employee ID" value={values.employee_id} errors={errors} maxlength={50} autocomplete="off" hint="Unique in this workspace." />
        <Field name="fte" label="FTE" value={values.fte} errors={errors} inputmode="decimal" hint="1 for full time, 0.5 for half time; at most 1.5." autocomplete="off" />
        <Select name="status" label="Status" options={STATUS_OPTIONS} value={values.status || "active"} errors={errors} required />
        <Field name="start_date" label="Start date" type="date" value={values.start_date} errors={errors} />
        <Field name="end_date" label="End date (optional)" type="date" value={values.end_date} errors={errors} required={false} />
        <fieldset>
          <legend>Programs</legend>
          {programs.length === 0 && <p class="hint">No programs yet.</p>}
          {programs.map((p) => (
            <label class="choice">
              <input type="checkbox" name="program_ids" value={p.id} checked={programIds.includes(p.id)} /> {p.name}
            </label>
          ))}
          <div id="f-program_ids-msg" aria-live="polite">
            {errors?.program_ids && <FieldMessage id="f-program_ids" message={errors.program_ids} />}
          </div>
        </fieldset>
        <button type="submit">{agent ? "Save changes" : "Create agent"}</button>
      </form>
    </Layout>
  );
}
