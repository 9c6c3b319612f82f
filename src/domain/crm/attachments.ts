import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "../tenancy/permissions.ts";
import { isUuid } from "./shared.ts";
import { actingUserId, findSubject, subjectOf, subjectValues, type SubjectRef } from "./timeline.ts";

// Files on a record, kept in Postgres (bytea) so backups, exports, erasure and tenant purges cover them with no
// second store to forget. The type is sniffed from the bytes, never taken from the client, and files are only
// ever served as downloads: a page's origin must never render what a user uploaded.

/** The default cap; the route passes config.ATTACHMENT_MAX_MB. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

export class FileTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`That file is too large: the limit is ${formatBytes(maxBytes)}.`);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  const mb = n / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

const OFFICE: Record<string, string> = {
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

const startsWith = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const extension = (filename: string) => /\.([a-z0-9]{1,8})$/i.exec(filename)?.[1]?.toLowerCase() ?? "";

/** Text only if it decodes as UTF-8 and holds no control characters but tab, line breaks and form feed. */
function isPlainText(b: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/** The content type of a file, from its first bytes (the name only picks among zip-based Office formats and CSV). */
export function sniffType(b: Uint8Array, filename: string): string {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a"))) return "image/gif";
  if (startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8)) return "image/webp";
  if (startsWith(b, ascii("%PDF-"))) return "application/pdf";
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) {
    const office = OFFICE[extension(filename)];
    return office && Buffer.from(b.buffer, b.byteOffset, b.byteLength).includes("[Content_Types].xml") ? office : "application/zip";
  }
  if (isPlainText(b)) return extension(filename) === "csv" ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/**
 * The name to keep: the last path segment (some browsers send C:\fakepath\…), without control or bidi-override
 * characters (which can disguise an extension), at most 255 characters with the extension kept.
 */
export function safeFilename(raw: string): string {
  // Browsers escape exactly these three in a multipart filename (WHATWG HTML, "multipart/form-data encoding").
  const unescaped = raw.replace(/%22/g, '"').replace(/%0D|%0A/gi, "\n");
  const base = unescaped.split(/[\\/]/).pop() ?? "";
  let name = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim()
    .replace(/^\.+/, "");
  if (name.length > 255) {
    const ext = extension(name);
    name = ext ? `${name.slice(0, 254 - ext.length)}.${ext}` : name.slice(0, 255);
  }
  return name || "file";
}

/** RFC 6266 with an RFC 5987 `filename*` for the real name and a plain-ASCII fallback for old clients. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Stores an uploaded file on a record; audits its name, size and type, never its content. */
export async function addAttachment(ctx: Ctx, ref: SubjectRef, file: File | null, maxBytes = ATTACHMENT_MAX_BYTES): Promise<string> {
  authorize(ctx, "records.edit");
  return inTransaction(ctx, async (tx) => {
    await findSubject(tx, ref);
    if (!file || (file.size === 0 && !file.name)) throw new Invalid({ file: "Choose a file to upload." });
    if (file.size > maxBytes) throw new FileTooLarge(maxBytes);
    if (file.size === 0) throw new Invalid({ file: "That file is empty." });
    const data = new Uint8Array(await file.arrayBuffer());
    const filename = safeFilename(file.name);
    const contentType = sniffType(data, filename);
    const sha256 = new Uint8Array(new Bun.CryptoHasher("sha256").update(data).digest());
    const id = Bun.randomUUIDv7();
    await tx.db
      .insertInto("attachments")
      .values({ tenant_id: tx.tenantId!, id, filename, content_type: contentType, size_bytes: data.byteLength, sha256, data, author_id: actingUserId(tx), created_at: tx.now, ...subjectValues(ref) })
      .execute();
    await audit(tx, "attachment.created", { type: "attachment", id }, { [`${ref.kind}_id`]: ref.id, filename, size_bytes: data.byteLength, content_type: contentType });
    return id;
  });
}

export interface AttachmentFile {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** A file to download. Reading a file reveals what it holds, so the download is audited (P10). */
export async function openAttachment(ctx: Ctx, attachmentId: string): Promise<AttachmentFile> {
  authorize(ctx, "records.view");
  if (!isUuid(attachmentId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("attachments").select(["filename", "content_type", "size_bytes", "data"]).where("id", "=", attachmentId).executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(tx, "attachment.downloaded", { type: "attachment", id: attachmentId }, { filename: row.filename, size_bytes: row.size_bytes });
    return { filename: row.filename, contentType: row.content_type, data: new Uint8Array(row.data) };
  });
}

export async function deleteAttachment(ctx: Ctx, attachmentId: string): Promise<SubjectRef | null> {
  authorize(ctx, "records.edit");
  if (!isUuid(attachmentId)) throw new NotFound();
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .deleteFrom("attachments")
      .where("id", "=", attachmentId)
      .returning(["filename", "size_bytes", "company_id", "contact_id", "lead_id", "deal_id"])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    const ref = subjectOf(row);
    await audit(tx, "attachment.deleted", { type: "attachment", id: attachmentId }, { ...(ref ? { [`${ref.kind}_id`]: ref.id } : {}), filename: row.filename, size_bytes: row.size_bytes });
    return ref;
  });
}
