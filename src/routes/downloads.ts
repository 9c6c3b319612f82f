import { contentDisposition } from "../domain/crm/attachments.ts";

/**
 * A file sent as a download, never rendered in place: attachments, rejected rows, exports and plans all leave
 * through here, so each gets the same disposition, nosniff and no-store (signed-in content is never cached).
 */
export function download(body: BodyInit, opts: { type: string; filename: string; size?: number }): Response {
  const headers: Record<string, string> = {
    "Content-Type": opts.type,
    "Content-Disposition": contentDisposition(opts.filename),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
  if (opts.size !== undefined) headers["Content-Length"] = String(opts.size);
  return new Response(body, { headers });
}
