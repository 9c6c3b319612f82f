import { download } from "../downloads.ts";
import { Hono, type Context } from "hono";
import { FileTooLarge } from "../../domain/crm/attachments.ts";
import { IMPORT_MAX_BYTES } from "../../domain/crm/import-fields.ts";
import { getImport, importMapping, listImports, openRejected, saveMapping, startImport, uploadImport } from "../../domain/crm/imports.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { ImportMappingPage, ImportProgress, ImportsPage, ImportStatusPage, MappingRegion, type Shell } from "../../views/crm/imports.tsx";
import type { Flash } from "../../views/layout.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { page, pageOr, wantsFragment, flashFrom } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const shell = (c: C): Shell => ({ userName: c.var.user!.name, workspace: c.var.membership });
const importUrl = (c: C, id: string) => `/t/${c.var.membership.slug}/crm/imports/${id}`;

// After a redirect the page says what happened: only these fixed words, never anything from the request.
const DONE: Record<string, string> = { mapped: "Mapping saved. Check the preview, then start the import.", started: "Import started." };
const flash = (c: C): Flash | null => flashFrom(c, DONE);

/** The list with the upload form; after a failed upload, with its messages. */
async function importsPage(c: C, opts: { errors?: FieldErrors; object?: string; status?: 200 | 413 | 422 } = {}) {
  const ctx = requestCtx(c);
  let result: Awaited<ReturnType<typeof listImports>> = { rows: [], next: null };
  let errors = opts.errors;
  try {
    result = await listImports(ctx, c.req.query("after")?.slice(0, 1000));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    errors = { ...err.fieldErrors, ...errors };
  }
  const view = { slug: c.var.membership.slug, ...result, object: opts.object, errors, maxMb: IMPORT_MAX_BYTES / 1024 / 1024 };
  return page(c, <ImportsPage shell={shell(c)} view={view} />, opts.status ?? (errors ? 422 : 200));
}

/** The mapping form with a preview (or, with htmx, just that region); a failed save shows what was posted. */
async function mappingPage(c: C, id: string, opts: { posted?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null } = {}) {
  const view = await importMapping(requestCtx(c), id, opts.posted);
  const status = opts.errors ? 422 : 200;
  return pageOr(
    c,
    () => <ImportMappingPage shell={shell(c)} view={view} errors={opts.errors} flash={opts.flash} />,
    () => <MappingRegion slug={c.var.membership.slug} view={view} errors={opts.errors} />,
    status,
  );
}

export const importsRoutes = new Hono<AppEnv>()
  .get("/imports", (c) => importsPage(c))
  .post("/imports", async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const object = typeof body.object === "string" ? body.object.slice(0, 20) : undefined;
    const file = body.file instanceof File ? body.file : null;
    try {
      const id = await uploadImport(requestCtx(c), object, file);
      return c.redirect(importUrl(c, id), 303);
    } catch (err) {
      if (err instanceof FileTooLarge) return importsPage(c, { errors: { file: err.message }, object, status: 413 });
      if (err instanceof Invalid) return importsPage(c, { errors: err.fieldErrors, object });
      throw err;
    }
  })
  .get("/imports/:id", async (c) => {
    const imp = await getImport(requestCtx(c), c.req.param("id"));
    if (imp.status === "uploaded" || imp.status === "mapped") return mappingPage(c, imp.id, { flash: flash(c) });
    return page(c, <ImportStatusPage shell={shell(c)} imp={imp} flash={flash(c)} />);
  })
  .post("/imports/:id/mapping", async (c) => {
    const id = c.req.param("id");
    const posted = await formValues(c);
    try {
      await saveMapping(requestCtx(c), id, posted);
    } catch (err) {
      if (err instanceof Invalid) return mappingPage(c, id, { posted, errors: { _form: err.message, ...err.fieldErrors } });
      throw err;
    }
    return wantsFragment(c) ? mappingPage(c, id) : c.redirect(`${importUrl(c, id)}?done=mapped`, 303);
  })
  .post("/imports/:id/run", async (c) => {
    const id = c.req.param("id");
    try {
      await startImport(requestCtx(c), id);
    } catch (err) {
      if (err instanceof Invalid) return mappingPage(c, id, { errors: err.fieldErrors });
      throw err;
    }
    return c.redirect(`${importUrl(c, id)}?done=started`, 303);
  })
  .get("/imports/:id/progress", async (c) => {
    const imp = await getImport(requestCtx(c), c.req.param("id"));
    return pageOr(c, () => <ImportStatusPage shell={shell(c)} imp={imp} />, () => <ImportProgress slug={c.var.membership.slug} imp={imp} />);
  })
  .get("/imports/:id/rejected.csv", async (c) => {
    const file = await openRejected(requestCtx(c), c.req.param("id"));
    return download(file.data as Uint8Array<ArrayBuffer>, { type: "text/csv; charset=utf-8", filename: file.filename, size: file.data.byteLength });
  });
