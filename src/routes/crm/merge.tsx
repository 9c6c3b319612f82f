import { Hono, type Context } from "hono";
import { mergeCandidates, mergePreview, mergeRecords, type MergeKind } from "../../domain/crm/merge.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { MergeComparePage, MergePickerPage, recordsBase } from "../../views/crm/merge.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Merging duplicates: GET …/:id/merge (choose the other record), GET …/:id/merge/:otherId (choose the values),
// POST …/:id/merge/:otherId (merge, 303 to the survivor). The same for contacts and companies.

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });

async function pickerPage(c: C, kind: MergeKind, id: string, errors?: FieldErrors) {
  const q = (c.req.query("q") ?? "").slice(0, 1000);
  let status: 200 | 422 = errors ? 422 : 200;
  let found;
  try {
    found = await mergeCandidates(requestCtx(c), kind, id, q);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    found = { ...(await mergeCandidates(requestCtx(c), kind, id, "")), results: null };
    errors = { ...errors, ...err.fieldErrors };
    status = 422;
  }
  return page(c, <MergePickerPage user={signedIn(c)} kind={kind} q={q} errors={errors} {...found} />, status);
}

/** The side-by-side form; the same record twice falls back to the picker with its message (422). */
async function comparePage(c: C, kind: MergeKind, chosen: Record<string, string> = {}, errors?: FieldErrors) {
  const { id, otherId } = c.req.param() as { id: string; otherId: string };
  try {
    const preview = await mergePreview(requestCtx(c), kind, id, otherId, chosen);
    return page(c, <MergeComparePage user={signedIn(c)} preview={preview} errors={errors} />, errors ? 422 : 200);
  } catch (err) {
    if (err instanceof Invalid && err.fieldErrors.other_id) return pickerPage(c, kind, id, err.fieldErrors);
    throw err;
  }
}

function mergeRoutesFor(kind: MergeKind, plural: string) {
  return new Hono<AppEnv>()
    .get(`/${plural}/:id/merge`, (c) => pickerPage(c, kind, c.req.param("id")))
    .get(`/${plural}/:id/merge/:otherId`, (c) => comparePage(c, kind))
    .post(`/${plural}/:id/merge/:otherId`, async (c) => {
      const { id, otherId } = c.req.param();
      const values = await formValues(c);
      try {
        const survivor = await mergeRecords(requestCtx(c), kind, id, otherId, values);
        return c.redirect(`${recordsBase(c.var.membership.slug, kind)}/${survivor}`, 303);
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        return comparePage(c, kind, values, err.fieldErrors);
      }
    });
}

export const mergeRoutes = new Hono<AppEnv>().route("/", mergeRoutesFor("contact", "contacts")).route("/", mergeRoutesFor("company", "companies"));
