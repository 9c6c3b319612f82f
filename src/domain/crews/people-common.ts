import { z } from "zod";
import { EmailSchema, normalizeEmail } from "../auth/accounts.ts";
import type { Ctx } from "../context.ts";
import { Invalid } from "../errors.ts";
import { audit } from "../audit/audit.ts";

// What the crews people pages (regions, employees, projects, settings, CSV) share: form fields, list cursors.

export { isUuid, optionalText, requiredText } from "../crm/shared.ts";
export { parseForm, setFields } from "../crm/companies.ts";

export const CREWS_PAGE_SIZE = 50;
/** Selects list at most this many choices; the pages say so when there are more. */
export const OPTIONS_CAP = 500;

export const actorUserId = (ctx: Ctx) => (ctx.actor?.type === "user" ? ctx.actor.id : null);

const blankIsNull = (v: unknown) => (typeof v === "string" ? (v.trim() === "" ? null : v.trim()) : (v ?? null));

/** A select of ids: empty means none; the domain checks the id belongs to this workspace. */
export const idField = (message: string) => z.preprocess(blankIsNull, z.string().max(100, { error: message }).nullable());

export const optionalEmail = z.preprocess(blankIsNull, EmailSchema.transform(normalizeEmail).nullable());

const PHONE = /^[0-9 +().-]{3,50}$/;
export const optionalPhone = z.preprocess(
  blankIsNull,
  z.string().regex(PHONE, { error: "Enter a phone number of 3 to 50 characters (digits, spaces and + ( ) - .)." }).nullable(),
);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const isDay = (v: string) => DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
export const optionalDay = z.preprocess(blankIsNull, z.string().refine(isDay, { error: "Enter a date as YYYY-MM-DD." }).nullable());

/** A checkbox: ticked ("1", "on", "true", "yes") or not. */
export const checkbox = z.preprocess((v) => typeof v === "string" && ["1", "on", "true", "yes", "y"].includes(v.trim().toLowerCase()), z.boolean());

/** The list cursor: the last row's sort key and id, opaque to the reader. */
export function encodeAfter(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString("base64url");
}
export function decodeAfter(raw: string | undefined): [string, string] | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && v[0].length <= 400 && !v[0].includes("\0") && z.uuid().safeParse(v[1]).success) return [v[0], v[1]];
  } catch {
    // falls through to the message
  }
  throw new Invalid({ after: "That page link is not valid any more. Start again from the first page." });
}

/** An ILIKE pattern matching `typed` anywhere, with the pattern characters taken literally. */
export const containsPattern = (typed: string) => `%${typed.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** A Postgres unique violation (another request made the same name first). */
export const isUniqueViolation = (err: unknown, constraint?: string) =>
  !!err && typeof err === "object" && (err as { code?: string }).code === "23505" && (!constraint || String((err as { constraint_name?: string }).constraint_name ?? "").includes(constraint));

/**
 * The region column of an employee or project import: names match existing regions in any case; an unknown name
 * becomes a new region, created (and audited) with the import by save(). An empty cell clears the region; a
 * missing column keeps what the record had.
 */
export async function importRegions(tx: Ctx, tenantId: string) {
  const rows = await tx.db.selectFrom("crew_regions").select(["id", "name_key"]).where("tenant_id", "=", tenantId).execute();
  const known = new Map(rows.map((r) => [r.name_key, r.id]));
  const created: { id: string; name: string }[] = [];
  return {
    /** The region id for a cell, or the reason the line is refused. */
    resolve(cell: string | undefined, current: string | null): { id: string | null } | { error: string } {
      if (cell === undefined) return { id: current };
      if (cell === "") return { id: null };
      if (cell.length > 100) return { error: "the region name is longer than 100 characters" };
      const key = cell.toLowerCase();
      let id = known.get(key);
      if (!id) {
        id = Bun.randomUUIDv7();
        known.set(key, id);
        created.push({ id, name: cell });
      }
      return { id };
    },
    async save() {
      for (const r of created) {
        await tx.db.insertInto("crew_regions").values({ tenant_id: tenantId, id: r.id, name: r.name, created_at: tx.now }).execute();
        await audit(tx, "region.created", { type: "region", id: r.id }, { name: r.name, source: "import" });
      }
    },
  };
}
