import type { Child } from "hono/jsx";
import type { MyTask, MyTasksPage } from "../../domain/crm/activities.ts";
import type { TimelineData, TimelineItem } from "../../domain/crm/timeline.ts";
import type { FieldErrors } from "../../domain/errors.ts";
import { FormErrors } from "../components.tsx";
import { Layout } from "../layout.tsx";

// A record's timeline (activities, notes, tasks, files, audit changes) with the forms that add to it, and the
// "my tasks" page. Ids are prefixed (tl-…) so the section can sit on a record page beside that page's own forms.

export type TimelineFormName = "activity" | "note" | "task" | "file";

/** A form that failed, redisplayed with what was typed and its messages. */
export interface FormState {
  name: TimelineFormName;
  values: Record<string, string>;
  errors: FieldErrors;
}

export interface TimelineSectionProps extends TimelineData {
  slug: string;
  form?: FormState;
}

const recordBase = (p: { slug: string; plural: string; id: string }) => `/t/${p.slug}/crm/${p.plural}/${p.id}`;
const BODY = "#timeline-body";
const swapBody = { "hx-target": BODY, "hx-swap": "outerHTML" };

/**
 * The timeline: put it inside the record page's `<section id="timeline" aria-labelledby="timeline-h">`. Its root
 * (#timeline-body) is what htmx replaces after a change or a page turn.
 */
export function TimelineSection(p: TimelineSectionProps) {
  const base = recordBase(p);
  return (
    <div id="timeline-body" class="timeline">
      <h2 id="timeline-h">Timeline</h2>
      {p.canEdit && p.kind !== "company" && (
        <p>
          <a href={`/t/${p.slug}/messaging/${p.plural}/${p.id}`}>Send a message</a>
        </p>
      )}
      {p.canEdit && (
        <div class="timeline-forms">
          <TimelineForm {...p} name="activity" />
          <TimelineForm {...p} name="note" />
          <TimelineForm {...p} name="task" />
          <TimelineForm {...p} name="file" />
        </div>
      )}
      {p.items.length === 0 ? (
        <p class="muted">{p.paged ? "Nothing older." : "Nothing here yet."}</p>
      ) : (
        <ol class="timeline-items">
          {p.items.map((item) => (
            <Item item={item} p={p} />
          ))}
        </ol>
      )}
      {(p.paged || p.nextCursor) && (
        <nav class="actions" aria-label="Timeline pages">
          {p.paged && (
            <a href={`${base}/timeline`} hx-get={`${base}/timeline`} {...swapBody}>
              Newest
            </a>
          )}
          {p.nextCursor && (
            <a href={`${base}/timeline?before=${p.nextCursor}`} hx-get={`${base}/timeline?before=${p.nextCursor}`} {...swapBody} rel="next">
              Older
            </a>
          )}
        </nav>
      )}
    </div>
  );
}

/** The timeline on a page of its own: older pages, and forms that failed, when JavaScript is off. */
export function TimelinePage(p: TimelineSectionProps & { userName: string; workspace: { name: string; slug: string }; status?: string }) {
  return (
    <Layout title={`Timeline · ${p.label}`} user={{ name: p.userName, workspace: p.workspace }}>
      <p>
        <a href={`${recordBase(p)}#timeline`}>Back to {p.label}</a>
      </p>
      {p.status && <p class="flash bad">{p.status}</p>}
      <section id="timeline" aria-labelledby="timeline-h">
        <TimelineSection {...p} />
      </section>
    </Layout>
  );
}

const LEGENDS: Record<TimelineFormName, string> = { activity: "Log a call, meeting or email", note: "Add a note", task: "Add a task", file: "Attach a file" };
const PATHS: Record<TimelineFormName, string> = { activity: "activities", note: "notes", task: "tasks", file: "attachments" };

/** One add form in its disclosure; also the fragment a 422 or 413 answers to htmx. */
export function TimelineForm(p: TimelineSectionProps & { name: TimelineFormName }) {
  const failed = p.form?.name === p.name ? p.form : undefined;
  const errors = failed?.errors;
  const v = failed?.values ?? {};
  const formId = `tl-${p.name}`;
  const action = `${recordBase(p)}/${PATHS[p.name]}`;
  // A 422 answers the form with its messages; a 413 (too large) answers only a message, shown under the file input.
  const status = { "hx-status:422": `target:#${formId} swap:outerHTML`, ...(p.name === "file" ? { "hx-status:413": "target:#tl-file-file-msg swap:innerHTML" } : {}) };
  const f = { form: p.name, errors };
  return (
    <details class="timeline-form" id={formId} open={!!failed}>
      <summary>{LEGENDS[p.name]}</summary>
      <form method="post" action={action} enctype={p.name === "file" ? "multipart/form-data" : undefined} class="form" hx-post={action} {...swapBody} {...status} novalidate>
        <FormErrors errors={errors} />
        {p.name === "activity" && (
          <>
            <Select {...f} name="kind" label="Kind" value={v.kind ?? "call"} options={[["call", "Call"], ["meeting", "Meeting"], ["email", "Email"]]} />
            <Input {...f} name="occurred_at" label="When" type="datetime-local" value={v.occurred_at ?? p.nowLocal} hint={`In ${p.timeZone} time.`} />
            <Input {...f} name="duration_minutes" label="Duration (minutes)" type="number" value={v.duration_minutes} required={false} />
            <Input {...f} name="outcome" label="Outcome" value={v.outcome} required={false} maxlength={200} />
            <Textarea {...f} name="body" label="Details" value={v.body} required={false} />
          </>
        )}
        {p.name === "note" && <Textarea {...f} name="body" label="Note" value={v.body} hint="Plain text; links become clickable." />}
        {p.name === "task" && (
          <>
            <Input {...f} name="title" label="Task" value={v.title} maxlength={300} />
            <Input {...f} name="due_on" label="Due on" type="date" value={v.due_on} required={false} />
            <Select {...f} name="assignee_id" label="Assignee" value={v.assignee_id ?? p.userId ?? ""} options={[["", "Nobody"], ...p.members.map((m) => [m.id, m.name] as [string, string])]} />
          </>
        )}
        {p.name === "file" && <Input {...f} name="file" label="File" type="file" hint={`Up to the workspace's size limit. It is always downloaded, never opened in the browser.`} />}
        <button type="submit">{p.name === "file" ? "Upload" : "Add"}</button>
      </form>
    </details>
  );
}

interface InputProps {
  form: TimelineFormName;
  name: string;
  label: string;
  value?: string;
  errors?: FieldErrors;
  hint?: string;
  required?: boolean;
  maxlength?: number;
}

/** The parts every field shares, as Field in components.tsx lays them out, with ids unique on a record page. */
function FieldShell(p: InputProps & { children: (attrs: Record<string, string | undefined>) => Child }) {
  const id = `tl-${p.form}-${p.name}`;
  const error = p.errors?.[p.name];
  const describedBy = [p.hint ? `${id}-hint` : null, `${id}-msg`].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.children({ id, name: p.name, "aria-invalid": error ? "true" : undefined, "aria-describedby": describedBy })}
      <div id={`${id}-msg`} aria-live="polite">
        {error && (
          <p class="field-error" id={`${id}-error`}>
            {error}
          </p>
        )}
      </div>
    </div>
  );
}

function Input(p: InputProps & { type?: string }) {
  return <FieldShell {...p}>{(a) => <input {...a} type={p.type ?? "text"} value={p.type === "file" ? undefined : p.value} required={p.required ?? true} maxlength={p.maxlength} />}</FieldShell>;
}

function Textarea(p: InputProps) {
  return (
    <FieldShell {...p}>
      {(a) => (
        <textarea {...a} rows={4} required={p.required ?? true} maxlength={20000}>
          {p.value ?? ""}
        </textarea>
      )}
    </FieldShell>
  );
}

function Select(p: InputProps & { options: [string, string][] }) {
  return (
    <FieldShell {...p}>
      {(a) => (
        <select {...a}>
          {p.options.map(([value, label]) => (
            <option value={value} selected={value === p.value}>
              {label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

// ---- items ----

const KIND_LABELS = { call: "Call", meeting: "Meeting", email: "Email" } as const;
const MESSAGE_CHANNELS: Record<string, string> = { email: "Email", sms: "SMS", whatsapp: "WhatsApp", rcs: "RCS" };

// Building an Intl.DateTimeFormat costs far more than formatting with one (it was a tenth of a contact page's CPU):
// one per time zone, kept. Zones are a fixed set of names, so the map stays small.
const WHEN_FORMATS = new Map<string, Intl.DateTimeFormat>();
const DAY_FORMAT = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" });

function when(at: Date, timeZone: string) {
  let f = WHEN_FORMATS.get(timeZone);
  if (!f) {
    if (WHEN_FORMATS.size >= 1000) WHEN_FORMATS.clear(); // a bound, whatever spellings of zones arrive
    WHEN_FORMATS.set(timeZone, (f = new Intl.DateTimeFormat("en-GB", { timeZone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })));
  }
  return f.format(at);
}

export function dayLabel(day: string) {
  return DAY_FORMAT.format(new Date(`${day}T00:00:00Z`));
}

function Item({ item, p }: { item: TimelineItem; p: TimelineSectionProps }) {
  const by = "author" in item ? item.author : item.actor;
  const crm = `/t/${p.slug}/crm`;
  const del = (path: string, what: string) =>
    p.canEdit && (
      <form method="post" action={`${crm}/${path}/${item.id}/deletion`} class="inline" hx-post={`${crm}/${path}/${item.id}/deletion`} {...swapBody} hx-confirm={`Delete this ${what}?`}>
        <button type="submit" class="link">
          Delete
        </button>
      </form>
    );
  return (
    <li class={`timeline-item tl-${item.type}`} id={`tl-item-${item.id}`}>
      <p class="muted">
        <time datetime={item.at.toISOString()}>{when(item.at, p.timeZone)}</time>
        {by ? ` · ${by}` : ""}
      </p>
      {item.type === "activity" && (
        <>
          <p>
            <strong>{KIND_LABELS[item.kind]}</strong>
            {item.durationMinutes !== null && ` · ${item.durationMinutes} min`}
            {item.outcome && ` · ${item.outcome}`}
          </p>
          {item.body && <PlainText text={item.body} />}
          {del("activities", "activity")}
        </>
      )}
      {item.type === "note" && (
        <>
          <PlainText text={item.body} />
          {del("notes", "note")}
        </>
      )}
      {item.type === "task" && (
        <>
          <p>
            <strong>{item.doneAt ? <s>{item.title}</s> : item.title}</strong> <DueBadge dueOn={item.dueOn} today={p.today} done={!!item.doneAt} />
            {item.assignee && ` · for ${item.assignee}`}
          </p>
          {p.canEdit && <CompletionForm slug={p.slug} id={item.id} done={!!item.doneAt} from="record" />}
          {del("tasks", "task")}
        </>
      )}
      {item.type === "attachment" && (
        <>
          <p>
            <a href={`${crm}/attachments/${item.id}`} download={item.filename}>
              {item.filename}
            </a>{" "}
            <span class="muted">
              {formatSize(item.sizeBytes)} · {item.contentType.split(";")[0]}
            </span>
          </p>
          {del("attachments", "file")}
        </>
      )}
      {item.type === "message" && (
        <>
          <p>
            <strong>{MESSAGE_CHANNELS[item.channel] ?? item.channel}</strong> {item.direction === "in" ? `from ${item.counterpart}` : `to ${item.counterpart}`} · <span class={item.status === "failed" || item.status === "undelivered" ? "badge bad" : "badge"}>{item.status}</span>
            {item.subject && ` · ${item.subject}`}
          </p>
          <PlainText text={item.excerpt} />
          <a href={`/t/${p.slug}/messaging/threads/${item.threadId}#m-${item.id}`}>Conversation</a>
        </>
      )}
      {item.type === "audit" && (
        <>
          <p>
            <code>{item.action}</code>
          </p>
          <Changes changes={item.changes} />
        </>
      )}
    </li>
  );
}

const formatSize = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);

function DueBadge({ dueOn, today, done }: { dueOn: string | null; today: string; done: boolean }) {
  if (!dueOn) return null;
  if (!done && dueOn < today) return <span class="badge bad">Overdue · {dayLabel(dueOn)}</span>;
  if (!done && dueOn === today) return <span class="badge">Due today</span>;
  return <span class="muted">due {dayLabel(dueOn)}</span>;
}

function CompletionForm({ slug, id, done, from, showDone }: { slug: string; id: string; done: boolean; from: "record" | "tasks"; showDone?: boolean }) {
  const action = `/t/${slug}/crm/tasks/${id}/completion`;
  const target = from === "tasks" ? { "hx-target": "#my-tasks", "hx-swap": "outerHTML" } : swapBody;
  return (
    <form method="post" action={action} class="inline" hx-post={action} {...target}>
      <input type="hidden" name="done" value={done ? "0" : "1"} />
      {from === "tasks" && <input type="hidden" name="from" value={showDone ? "tasks-done" : "tasks"} />}
      <button type="submit" class="link">
        {done ? "Reopen" : "Mark done"}
      </button>
    </form>
  );
}

// Long values are cut so one event cannot make a record page heavy; the audit trail holds them whole.
const MAX = 160;
function show(v: unknown): string {
  const s = v === null || v === undefined ? "empty" : typeof v === "string" ? v : JSON.stringify(v);
  return s.length > MAX ? `${s.slice(0, MAX)}…` : s;
}
const isFromTo = (v: unknown): v is { from: unknown; to: unknown } => !!v && typeof v === "object" && !Array.isArray(v) && "from" in v && "to" in v;

function Changes({ changes }: { changes: Record<string, unknown> | null }) {
  if (!changes || Object.keys(changes).length === 0) return null;
  return (
    <ul class="changes">
      {Object.entries(changes).map(([k, v]) => (
        <li>
          {k}: {isFromTo(v) ? `${show(v.from)} → ${show(v.to)}` : show(v)}
        </li>
      ))}
    </ul>
  );
}

// ---- plain text with line breaks and links, built as nodes (JSX escapes every piece) ----

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Splits a line into text and links; trailing sentence punctuation stays outside the link. */
export function linkify(line: string): Child[] {
  const out: Child[] = [];
  let last = 0;
  for (const m of line.matchAll(URL_RE)) {
    let url = m[0];
    for (;;) {
      if (/[.,;:!?]$/.test(url)) url = url.slice(0, -1);
      else if (url.endsWith(")") && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) url = url.slice(0, -1);
      else break;
    }
    if (!URL.canParse(url)) continue;
    out.push(line.slice(last, m.index), <a href={url} rel="noopener noreferrer nofollow">{url}</a>);
    last = m.index + url.length;
  }
  out.push(line.slice(last));
  return out;
}

export function PlainText({ text }: { text: string }) {
  const lines = text.split("\n");
  return (
    <p class="plain-text">
      {lines.map((line, i) => (
        <>
          {i > 0 && <br />}
          {linkify(line)}
        </>
      ))}
    </p>
  );
}

// ---- my tasks ----

export function MyTasksView({ userName, workspace, page }: { userName: string; workspace: { name: string; slug: string }; page: MyTasksPage }) {
  return (
    <Layout title="My tasks" user={{ name: userName, workspace }}>
      <h1>My tasks</h1>
      <p class="lead">Tasks assigned to you: overdue first, then today, then later, then those with no date.</p>
      <MyTasksList slug={workspace.slug} page={page} />
    </Layout>
  );
}

const GROUPS = { overdue: "Overdue", today: "Due today", later: "Later", none: "No date" } as const;
const groupOf = (t: MyTask, today: string): keyof typeof GROUPS => (!t.dueOn ? "none" : t.dueOn < today ? "overdue" : t.dueOn === today ? "today" : "later");

/** The list: the fragment htmx swaps after a task is marked done. */
export function MyTasksList({ slug, page }: { slug: string; page: MyTasksPage }) {
  const base = `/t/${slug}/crm/tasks`;
  const groups = new Map<keyof typeof GROUPS, MyTask[]>();
  for (const t of page.tasks) groups.set(groupOf(t, page.today), [...(groups.get(groupOf(t, page.today)) ?? []), t]);
  const done = page.showDone ? "done=1&" : "";
  return (
    <div id="my-tasks">
      <p class="actions">{page.showDone ? <a href={base}>Hide done tasks</a> : <a href={`${base}?done=1`}>Show done tasks</a>}</p>
      {page.tasks.length === 0 && <p class="muted">No tasks here.</p>}
      {[...groups].map(([g, tasks]) => (
        <section aria-labelledby={`tasks-${g}`}>
          <h2 id={`tasks-${g}`}>{GROUPS[g]}</h2>
          <ul class="task-list">
            {tasks.map((t) => (
              <li>
                <strong>{t.doneAt ? <s>{t.title}</s> : t.title}</strong> {t.dueOn && <span class="muted">{dayLabel(t.dueOn)}</span>}
                {t.subject && (
                  <>
                    {" · "}
                    <a href={`/t/${slug}/crm/${t.subject.plural}/${t.subject.id}#timeline`}>{t.subject.label || t.subject.kind}</a>
                  </>
                )}{" "}
                <CompletionForm slug={slug} id={t.id} done={!!t.doneAt} from="tasks" showDone={page.showDone} />
              </li>
            ))}
          </ul>
        </section>
      ))}
      {page.next && (
        <nav class="actions" aria-label="Pages">
          <a href={`${base}?${done}after=${page.next}`} rel="next">
            More tasks
          </a>
        </nav>
      )}
    </div>
  );
}

/** The record page's timeline section; the page passes what loadTimeline() returned. */
export function RecordTimeline({ slug, data }: { slug: string; data: TimelineData }) {
  return (
    <section id="timeline" aria-labelledby="timeline-h">
      <TimelineSection slug={slug} {...data} />
    </section>
  );
}
