import { download } from "../downloads.ts";
import { Hono, type Context } from "hono";
import { getImport, IMPORT_MAX_BYTES, openRejected, recentImports, uploadAgents, uploadVolumes } from "../../domain/capacity/imports.ts";
import { getProgram } from "../../domain/capacity/programs.ts";
import { FileTooLarge } from "../../domain/crm/attachments.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { ImportProgress, ImportStatusPage, ImportUploadPage, importUrl } from "../../views/capacity/imports.tsx";
import { requestCtx } from "../context.ts";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

type C = Context<AppEnv>;

const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { started: "File uploaded. The import runs in the background; this page follows it." };

/** The upload form for a program's volumes (programId) or for agents (null), with the latest imports. */
async function uploadPage(c: C, programId: string | null, errors?: FieldErrors, status: 200 | 413 | 422 = 200) {
  const ctx = requestCtx(c);
  const program = programId ? await getProgram(ctx, programId) : null;
  authorize(ctx, "records.edit");
  const imports = await recentImports(ctx, programId);
  const view = { program: program && { id: program.id, name: program.name, intervalMinutes: program.intervalMinutes }, imports, errors, maxMb: IMPORT_MAX_BYTES / 1024 / 1024 };
  return page(c, <ImportUploadPage user={signedIn(c)} view={view} />, status);
}

async function upload(c: C, programId: string | null) {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const file = body.file instanceof File ? body.file : null;
  try {
    const ctx = requestCtx(c);
    const id = programId ? await uploadVolumes(ctx, programId, file) : await uploadAgents(ctx, file);
    return c.redirect(`${importUrl(c.var.membership.slug, id)}?done=started`, 303);
  } catch (err) {
    if (err instanceof FileTooLarge) return uploadPage(c, programId, { file: err.message }, 413);
    if (err instanceof Invalid) return uploadPage(c, programId, err.fieldErrors, 422);
    throw err;
  }
}

// Mounted before the agents' routes: /agents/imports is not an agent id.
export const importsRoutes = new Hono<AppEnv>()
  .get("/programs/:id/imports", (c) => uploadPage(c, c.req.param("id")))
  .post("/programs/:id/imports", (c) => upload(c, c.req.param("id")))
  .get("/agents/imports", (c) => uploadPage(c, null))
  .post("/agents/imports", (c) => upload(c, null))
  .get("/imports/:id", async (c) => {
    const imp = await getImport(requestCtx(c), c.req.param("id"));
    return page(c, <ImportStatusPage user={signedIn(c)} imp={imp} flash={flashFrom(c, DONE)} />);
  })
  .get("/imports/:id/progress", async (c) => {
    const imp = await getImport(requestCtx(c), c.req.param("id"));
    return pageOr(c, () => <ImportStatusPage user={signedIn(c)} imp={imp} />, () => <ImportProgress slug={c.var.membership.slug} imp={imp} />);
  })
  .get("/imports/:id/rejected.csv", async (c) => {
    const file = await openRejected(requestCtx(c), c.req.param("id"));
    return download(file.data as Uint8Array<ArrayBuffer>, { type: "text/csv; charset=utf-8", filename: file.filename, size: file.data.byteLength });
  });
