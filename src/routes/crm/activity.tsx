import { download } from "../downloads.ts";
import { Hono, type Context } from "hono";
import { addActivity, addNote, addTask, deleteItem, myTasks, setTaskDone } from "../../domain/crm/activities.ts";
import { addAttachment, deleteAttachment, FileTooLarge, openAttachment } from "../../domain/crm/attachments.ts";
import { kindFromPlural, loadTimeline, PLURALS, type SubjectRef } from "../../domain/crm/timeline.ts";
import type { Ctx } from "../../domain/context.ts";
import { Invalid, NotFound } from "../../domain/errors.ts";
import { MyTasksList, MyTasksView, TimelineForm, TimelinePage, TimelineSection, type FormState, type TimelineFormName } from "../../views/crm/timeline.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, wantsFragment } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

// The body itself is capped before this runs (src/app.tsx, the upload limit); the file gets the exact check here.
const maxBytes = (c: C) => c.var.deps.config.ATTACHMENT_MAX_MB * 1024 * 1024;

function subjectParam(c: C): SubjectRef {
  const kind = kindFromPlural(c.req.param("kind") ?? "");
  if (!kind) throw new NotFound();
  return { kind, id: c.req.param("id")! };
}

const recordUrl = (c: C, ref: SubjectRef) => `/t/${c.var.membership.slug}/crm/${PLURALS[ref.kind]}/${ref.id}#timeline`;
const member = (c: C) => ({ userName: c.var.user!.name, workspace: c.var.membership });

/** The timeline section (htmx) or its page of its own, with a form's errors when one failed. */
async function timeline(c: C, ref: SubjectRef, opts: { cursor?: string | null; form?: FormState; status?: 200 | 413 | 422; message?: string } = {}) {
  const data = await loadTimeline(requestCtx(c), ref.kind, ref.id, opts.cursor);
  const props = { ...data, slug: c.var.membership.slug, form: opts.form };
  if (!wantsFragment(c)) return page(c, <TimelinePage {...props} {...member(c)} status={opts.message} />, opts.status ?? 200);
  // A failed form answers just that form (hx-status retargets it); anything else refreshes the whole section.
  return opts.form ? c.html(<TimelineForm {...props} name={opts.form.name} />, opts.status ?? 422) : c.html(<TimelineSection {...props} />, opts.status ?? 200);
}

/** After a change: back to the record page, or with htmx the refreshed timeline. */
async function changed(c: C, ref: SubjectRef | null) {
  if (!ref) return c.redirect(`/t/${c.var.membership.slug}/crm/tasks`, 303);
  return wantsFragment(c) ? timeline(c, ref) : c.redirect(recordUrl(c, ref), 303);
}

/** An add form: the domain authorizes, finds the record (404) and validates (422), in that order. */
function adder(name: TimelineFormName, add: (ctx: Ctx, ref: SubjectRef, values: Record<string, string>) => Promise<string>) {
  return async (c: C) => {
    const ref = subjectParam(c);
    const values = await formValues(c);
    try {
      await add(requestCtx(c), ref, values);
    } catch (err) {
      if (err instanceof Invalid) return timeline(c, ref, { form: { name, values, errors: err.fieldErrors }, status: 422 });
      throw err;
    }
    return changed(c, ref);
  };
}

/** A file over the cap: the upload form with the message, or with htmx just the message (hx-status:413 puts it under the file input, where the app-wide body limit's 413 lands too). */
function tooLarge(c: C, ref: SubjectRef, max: number) {
  const message = new FileTooLarge(max).message;
  if (wantsFragment(c)) return c.html(<p class="field-error">{message}</p>, 413);
  return timeline(c, ref, { form: { name: "file", values: {}, errors: { file: message } }, status: 413, message });
}

const deleter = (del: (c: C) => Promise<SubjectRef | null>) => async (c: C) => changed(c, await del(c));

export const activityRoutes = new Hono<AppEnv>()
  .get("/tasks", async (c) => {
    const result = await myTasks(requestCtx(c), { showDone: c.req.query("done") === "1", cursor: c.req.query("after") });
    return wantsFragment(c) ? c.html(<MyTasksList slug={c.var.membership.slug} page={result} />) : page(c, <MyTasksView {...member(c)} page={result} />);
  })
  .get("/:kind/:id/timeline", (c) => timeline(c, subjectParam(c), { cursor: c.req.query("before") }))
  .post("/:kind/:id/activities", adder("activity", addActivity))
  .post("/:kind/:id/notes", adder("note", addNote))
  .post("/:kind/:id/tasks", adder("task", addTask))
  .post("/:kind/:id/attachments", async (c) => {
    const ref = subjectParam(c);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const file = body.file instanceof File ? body.file : null;
    try {
      await addAttachment(requestCtx(c), ref, file, maxBytes(c));
    } catch (err) {
      if (err instanceof FileTooLarge) return tooLarge(c, ref, err.maxBytes);
      if (err instanceof Invalid) return timeline(c, ref, { form: { name: "file", values: {}, errors: err.fieldErrors }, status: 422 });
      throw err;
    }
    return changed(c, ref);
  })
  .get("/attachments/:attachmentId", async (c) => {
    const file = await openAttachment(requestCtx(c), c.req.param("attachmentId"));
    // The sniffed type, never text/html (sniffing cannot produce it), and never rendered in place.
    return download(file.data as Uint8Array<ArrayBuffer>, { type: file.contentType, filename: file.filename, size: file.data.byteLength });
  })
  .post("/tasks/:taskId/completion", async (c) => {
    const values = await formValues(c);
    const done = values.done === "1" ? true : values.done === "0" ? false : undefined;
    const ref = await setTaskDone(requestCtx(c), c.req.param("taskId"), done);
    if (values.from !== "tasks" && values.from !== "tasks-done") return changed(c, ref);
    const showDone = values.from === "tasks-done";
    if (!wantsFragment(c)) return c.redirect(`/t/${c.var.membership.slug}/crm/tasks${showDone ? "?done=1" : ""}`, 303);
    return c.html(<MyTasksList slug={c.var.membership.slug} page={await myTasks(requestCtx(c), { showDone })} />);
  })
  .post("/activities/:activityId/deletion", deleter((c) => deleteItem(requestCtx(c), "activity", c.req.param("activityId")!)))
  .post("/notes/:noteId/deletion", deleter((c) => deleteItem(requestCtx(c), "note", c.req.param("noteId")!)))
  .post("/tasks/:taskId/deletion", deleter((c) => deleteItem(requestCtx(c), "task", c.req.param("taskId")!)))
  .post("/attachments/:attachmentId/deletion", deleter((c) => deleteAttachment(requestCtx(c), c.req.param("attachmentId")!)));
