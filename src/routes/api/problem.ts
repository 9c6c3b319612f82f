import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { DuplicateRecord } from "../../domain/crm/companies.ts";
import { DomainError, Invalid } from "../../domain/errors.ts";

// Errors as application/problem+json (RFC 9457). Field errors go in `errors`, one { field, message } each.

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Content too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  429: "Too many requests",
  500: "Internal server error",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

export function problem(c: Context<any>, status: number, detail: string, extra: Partial<Problem> = {}, headers: Record<string, string> = {}) {
  const body: Problem = { type: "about:blank", title: TITLES[status] ?? "Error", status, detail, instance: c.req.path, ...extra };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/problem+json", ...headers } });
}

/** The API's onError: known errors keep their status and message; anything else is logged and a bare 500. */
export function apiError(err: Error, c: Context<any>, renames: Record<string, string> = { after: "cursor" }) {
  if (err instanceof Invalid) {
    const errors = Object.entries(err.fieldErrors).map(([field, message]) => ({ field: renames[field] ?? field.replace(/^cf_/, "custom."), message }));
    return problem(c, 422, err.message, { errors });
  }
  if (err instanceof DuplicateRecord) return problem(c, 409, err.message, { existing: { type: err.existing.type, id: err.existing.id } });
  if (err instanceof DomainError) return problem(c, err.status, err.message);
  if (err instanceof HTTPException && err.status < 500) return problem(c, err.status, err.message || TITLES[err.status] || "Bad request");
  c.var.deps.log.error({ msg: "unhandled error", requestId: c.var.requestId, method: c.req.method, path: c.req.path, error: err.message, stack: err.stack });
  return problem(c, 500, `Steward hit an unexpected error. It has been logged; quote request id ${c.var.requestId ?? "-"}.`);
}
