import { CrmNav } from "./nav.tsx";
import { assetUrl } from "../../assets.ts";
import type { BoardColumn, PipelineWithStages } from "../../domain/crm/pipelines.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { Field, FieldMessage, FormErrors } from "../components.tsx";
import type { Flash } from "../layout.tsx";
import { crm, Page, Textarea, type Shell, type Values } from "./deals.tsx";

export function PipelinesPage({ shell, pipelines, form, flash }: { shell: Shell; pipelines: (PipelineWithStages & { openDeals: number | null })[]; form?: { values: Values; errors?: FieldErrors }; flash?: Flash | null }) {
  const base = `${crm(shell.workspace.slug)}/pipelines`;
  return (
    <Page shell={shell} title="Pipelines" flash={flash}>
      <CrmNav slug={shell.workspace.slug} current="pipelines" />
      <h1>Pipelines</h1>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Stages</th>
              <th scope="col">Open deals</th>
            </tr>
          </thead>
          <tbody>
            {pipelines.map((p) => (
              <tr>
                <td>
                  <a href={`${base}/${p.id}/board`}>{p.name}</a>
                  {shell.canEdit && (
                    <>
                      {" "}
                      <a class="muted" href={`${base}/${p.id}`}>
                        (edit)
                      </a>
                    </>
                  )}
                </td>
                <td>{p.stages.map((s) => `${s.name} ${s.probability}%`).join(" → ")}</td>
                <td>{p.openDeals ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <a href={`${crm(shell.workspace.slug)}/deals`}>All deals</a>
      </p>
      {shell.canEdit && (
        <>
          <h2>New pipeline</h2>
          <form method="post" action={base} class="form" novalidate>
            <FormErrors errors={form?.errors} />
            <Field name="name" label="Name" value={form?.values.name} errors={form?.errors} maxlength={100} />
            <Textarea
              name="stages"
              label="Stages"
              rows={5}
              value={form?.values.stages ?? "Qualification, 10\nProposal, 40\nNegotiation, 70"}
              hint='One stage a line, in order, with its default probability: "Proposal, 40".'
              errors={form?.errors}
            />
            <button type="submit">Create pipeline</button>
          </form>
        </>
      )}
    </Page>
  );
}

export interface PipelineEditProps {
  shell: Shell;
  pipeline: PipelineWithStages;
  values?: Values;
  errors?: FieldErrors;
  stageForm?: { values: Values; errors?: FieldErrors };
  flash?: Flash | null;
}

/** Rename the pipeline and edit its stages in one form; add a stage; remove an empty stage. */
export function PipelineEditPage({ shell, pipeline, values = {}, errors, stageForm, flash }: PipelineEditProps) {
  const self = `${crm(shell.workspace.slug)}/pipelines/${pipeline.id}`;
  const v = (k: string, fallback: string | number) => values[k] ?? String(fallback);
  const cell = (name: string, label: string, value: string, size: number) => (
    <>
      <input id={`f-${name}`} name={name} value={value} aria-label={label} maxlength={size} aria-invalid={errors?.[name] ? "true" : undefined} aria-describedby={`f-${name}-msg`} />
      <div id={`f-${name}-msg`}>{errors?.[name] && <FieldMessage id={`f-${name}`} message={errors[name]!} />}</div>
    </>
  );
  return (
    <Page shell={shell} title={`Pipeline ${pipeline.name}`} flash={flash}>
      <h1>{pipeline.name}</h1>
      <p class="actions">
        <a href={`${self}/board`}>Board</a>
        <a href={`${crm(shell.workspace.slug)}/pipelines`}>All pipelines</a>
      </p>
      {!shell.canEdit ? (
        <ol>
          {pipeline.stages.map((s) => (
            <li>
              {s.name} <span class="muted">{s.probability}%</span>
            </li>
          ))}
        </ol>
      ) : (
        <>
      <form method="post" action={self} novalidate>
        <FormErrors errors={errors} />
        <div class="form">
          <Field name="name" label="Name" value={v("name", pipeline.name)} errors={errors} maxlength={100} />
        </div>
        <h2>Stages</h2>
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Stage</th>
                <th scope="col">Probability (%)</th>
                <th scope="col">
                  <span class="muted">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pipeline.stages.map((s) => (
                <tr>
                  <td>{cell(`stage_${s.id}_position`, `Order of ${s.name}`, v(`stage_${s.id}_position`, s.position + 1), 3)}</td>
                  <td>{cell(`stage_${s.id}_name`, `Name of ${s.name}`, v(`stage_${s.id}_name`, s.name), 100)}</td>
                  <td>{cell(`stage_${s.id}_probability`, `Probability of ${s.name}`, v(`stage_${s.id}_probability`, s.probability), 3)}</td>
                  <td>
                    <button type="submit" class="link" form={`remove-${s.id}`}>
                      Remove {s.name}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p class="hint">Order: lower numbers come first. A stage can be removed only when no deal is in it.</p>
        <button type="submit">Save pipeline</button>
      </form>
      {pipeline.stages.map((s) => (
        <form method="post" action={`${self}/stages/${s.id}/deletion`} id={`remove-${s.id}`}></form>
      ))}
      <h2>Add a stage</h2>
      <form method="post" action={`${self}/stages`} class="form" novalidate>
        <FormErrors errors={stageForm?.errors} />
        <Field name="stage_name" label="Stage name" value={stageForm?.values.stage_name} errors={stageForm?.errors} maxlength={100} />
        <Field name="stage_probability" label="Probability (%)" value={stageForm?.values.stage_probability} errors={stageForm?.errors} inputmode="numeric" maxlength={4} />
        <button type="submit">Add stage</button>
      </form>
        </>
      )}
    </Page>
  );
}

export interface BoardProps {
  shell: Shell;
  pipeline: PipelineWithStages;
  columns: BoardColumn[];
  cap: number;
  flash?: Flash | null;
}

/**
 * Columns by stage. Each card moves one stage left or right with a plain form, so the board works by keyboard and
 * without JavaScript; board.js adds drag-and-drop by submitting that same form with the target stage.
 */
export function BoardPage({ shell, pipeline, columns, cap, flash }: BoardProps) {
  const base = crm(shell.workspace.slug);
  return (
    <Page shell={shell} title={`${pipeline.name} board`} flash={flash}>
      <h1>{pipeline.name}</h1>
      <p class="actions">
        {shell.canEdit && <a href={`${base}/deals/new?pipeline_id=${pipeline.id}`}>New deal</a>}
        <a href={`${base}/deals?pipeline_id=${pipeline.id}&status=open`}>As a list</a>
        {shell.canEdit && <a href={`${base}/pipelines/${pipeline.id}`}>Edit pipeline</a>}
        <a href={`${base}/pipelines`}>All pipelines</a>
      </p>
      <div class="board" id="board">
        {columns.map((col, i) => (
          <section class="board-col" data-stage={col.stage.id} aria-labelledby={`col-${col.stage.id}`}>
            <h2 id={`col-${col.stage.id}`}>
              {col.stage.name} <span class="muted">{col.stage.probability}%</span>
            </h2>
            <p class="muted">
              {col.count} {col.count === 1 ? "deal" : "deals"}
              {col.totals.map((t) => ` · ${t.display}`).join("")}
            </p>
            <ol class="board-cards">
              {col.cards.map((d) => (
                <li class="board-card" id={`deal-${d.id}`}>
                  <a href={`${base}/deals/${d.id}`}>{d.title}</a>
                  <br />
                  {d.amount_display}
                  {d.company_name && <span class="muted"> · {d.company_name}</span>}
                  {shell.canEdit && columns.length > 1 && (
                    <form method="post" action={`${base}/deals/${d.id}/stage`} class="board-move">
                      {columns[i - 1] && (
                        <button type="submit" name="stage_id" value={columns[i - 1]!.stage.id} class="link" aria-label={`Move ${d.title} to ${columns[i - 1]!.stage.name}`}>
                          ←
                        </button>
                      )}{" "}
                      {columns[i + 1] && (
                        <button type="submit" name="stage_id" value={columns[i + 1]!.stage.id} class="link next" aria-label={`Move ${d.title} to ${columns[i + 1]!.stage.name}`}>
                          →
                        </button>
                      )}
                    </form>
                  )}
                </li>
              ))}
            </ol>
            {col.count > col.cards.length && (
              <p>
                <a href={`${base}/deals?pipeline_id=${pipeline.id}&stage_id=${col.stage.id}&status=open`}>and {col.count - col.cards.length} more</a>
              </p>
            )}
          </section>
        ))}
      </div>
      {columns.every((c) => c.count === 0) && <p>No open deals in this pipeline yet.</p>}
      <p class="hint">Showing up to {cap} deals a stage, most recently added or moved first.</p>
      {shell.canEdit && <script src={assetUrl("board.js")} defer></script>}
    </Page>
  );
}
