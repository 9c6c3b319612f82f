import { Hono, type Context } from "hono";
import { CREW_IMPORT_MAX_BYTES, getCrewImport, openCrewRejected, recentCrewImports, type ImportOutcome } from "../../domain/crews/crew-imports.ts";
import type { Ctx } from "../../domain/context.ts";
import { FileTooLarge } from "../../domain/crm/attachments.ts";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { CrewImportPage, CrewImportReportPage, importReportUrl } from "../../views/crews/people-imports.tsx";
import { requestCtx } from "../context.ts";
import { download } from "../downloads.ts";
import { flashFrom, page } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// The CSV import pages of employees and projects (inline imports: upload → report) and the exports' downloads.

type C = Context<AppEnv>;
type Kind = "employees" | "projects";
const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });

export async function importForm(c: C, kind: Kind, columns: readonly string[], errors?: FieldErrors, status: 200 | 413 | 422 = 200) {
  const ctx = requestCtx(c);
  authorize(ctx, "records.edit");
  const recent = await recentCrewImports(ctx, kind);
  return page(c, <CrewImportPage user={signedIn(c)} kind={kind} columns={columns} recent={recent} errors={errors} maxMb={CREW_IMPORT_MAX_BYTES / 1024 / 1024} />, status);
}

export async function importUpload(c: C, kind: Kind, columns: readonly string[], run: (ctx: Ctx, file: File | null) => Promise<ImportOutcome>) {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const file = body.file instanceof File ? body.file : null;
  try {
    const outcome = await run(requestCtx(c), file);
    return c.redirect(`${importReportUrl(c.var.membership.slug, outcome.id)}?done=imported`, 303);
  } catch (err) {
    if (err instanceof FileTooLarge) return importForm(c, kind, columns, { file: err.message }, 413);
    if (err instanceof Invalid) return importForm(c, kind, columns, err.fieldErrors, 422);
    throw err;
  }
}

export function csvDownload(c: C, what: Kind, body: ReadableStream<Uint8Array>) {
  const day = requestCtx(c).now.toISOString().slice(0, 10);
  return download(body, { type: "text/csv; charset=utf-8", filename: `${what}-${c.var.membership.slug}-${day}.csv` });
}

export const peopleImportsRoutes = new Hono<AppEnv>()
  .get("/imports/:id", async (c) => {
    const imp = await getCrewImport(requestCtx(c), c.req.param("id"));
    return page(c, <CrewImportReportPage user={signedIn(c)} imp={imp} flash={flashFrom(c, { imported: "Import finished." })} />);
  })
  .get("/imports/:id/rejected.csv", async (c) => {
    const file = await openCrewRejected(requestCtx(c), c.req.param("id"));
    return download(file.data as Uint8Array<ArrayBuffer>, { type: "text/csv; charset=utf-8", filename: file.filename, size: file.data.byteLength });
  });
