import { sql, type RawBuilder } from "kysely";
import { z } from "zod";
import { Invalid } from "../errors.ts";
import { isUuid } from "./shared.ts";

// Keyset pagination for the company and contact lists: a sort is a tuple of SQL expressions ending in the id, and
// the "Next" link carries the last row's values for that tuple, opaque to the reader.

export type KeyKind = "text" | "time" | "uuid";

export interface SortKey {
  /** The SQL expression sorted on, e.g. lower(c.name). */
  expr: RawBuilder<unknown>;
  kind: KeyKind;
}

export interface SortSpec {
  keys: SortKey[];
  desc: boolean;
}

const BAD_CURSOR = "That page link is not valid any more. Start again from the first page.";

export function encodeCursor(sort: string, values: string[]): string {
  return Buffer.from(JSON.stringify([sort, ...values])).toString("base64url");
}

// Postgres' text form of a timestamptz (what the lists select as the key), e.g. 2025-03-01 10:00:00.123456+00.
const PG_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2})?|Z)?$/;

/** The values a cursor holds, checked against the sort it claims to belong to; anything else is a 422. */
export function decodeCursor(raw: string, sort: string, spec: SortSpec): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw new Invalid({ after: BAD_CURSOR });
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === spec.keys.length + 1 &&
    parsed[0] === sort &&
    spec.keys.every((k, i) => {
      const v = parsed[i + 1];
      if (typeof v !== "string" || v.length > 400 || v.includes("\0")) return false;
      return k.kind === "uuid" ? isUuid(v) : k.kind === "time" ? PG_TIME.test(v) : true;
    });
  if (!ok) throw new Invalid({ after: BAD_CURSOR });
  return (parsed as string[]).slice(1);
}

const cast = (v: string, kind: KeyKind) => (kind === "uuid" ? sql`${v}::uuid` : kind === "time" ? sql`${v}::timestamptz` : sql`${v}::text`);

/** Rows strictly after the cursor in this sort: one row comparison, which the (tenant_id, …, id) indexes serve. */
export function afterCursor(spec: SortSpec, values: string[]) {
  const cols = sql.join(spec.keys.map((k) => k.expr));
  const vals = sql.join(spec.keys.map((k, i) => cast(values[i]!, k.kind)));
  return spec.desc ? sql<boolean>`(${cols}) < (${vals})` : sql<boolean>`(${cols}) > (${vals})`;
}

export const cursorField = z
  .string()
  .max(1000, { error: BAD_CURSOR })
  .transform((v) => v.trim() || undefined)
  .optional();
