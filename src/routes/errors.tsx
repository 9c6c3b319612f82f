import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError } from "../domain/errors.ts";
import { ErrorPage, ErrorPanel, type ErrorInfo } from "../views/errors.tsx";
import { databaseFault } from "./database-faults.ts";
import { CrossSiteRequest } from "./middleware/security.ts";
import { pageOr } from "./render.tsx";
import type { AppEnv } from "./types.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  403: "Not allowed",
  404: "Page not found",
  409: "Conflict",
  413: "Too large",
  422: "Please check your input",
  429: "Too many requests",
  500: "Something went wrong",
  503: "Temporarily unavailable",
  507: "Out of storage space",
};

export function renderError(c: Context<AppEnv>, status: ContentfulStatusCode, message: string) {
  const info: ErrorInfo = { status, title: TITLES[status] ?? "Error", message, requestId: c.var.requestId ?? "-" };
  const user = c.var.user ? { name: c.var.user.name } : null;
  return pageOr(c, () => <ErrorPage {...info} user={user} />, () => <ErrorPanel {...info} />, status);
}

export function notFound(c: Context<AppEnv>) {
  return renderError(c, 404, "There is nothing at this address. Check the link, or go back to the home page.");
}

/** Known errors become their status and message; anything else is logged with its stack and shown as a bare 500. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof DomainError) return renderError(c, err.status, err.message);
  if (err instanceof CrossSiteRequest) return renderError(c, 403, err.message);
  if (err instanceof HTTPException && err.status < 500) return renderError(c, err.status as ContentfulStatusCode, err.message || TITLES[err.status] || "Bad request");
  const fault = databaseFault(err);
  if (fault) {
    // Expected in operation (a database restart, a full disk): logged without a stack, shown as what it is.
    c.var.deps.log.error({ msg: "database unavailable or refused the write", requestId: c.var.requestId, method: c.req.method, path: c.req.path, status: fault.status, error: err.message });
    if (fault.retryAfter) c.header("Retry-After", String(fault.retryAfter));
    return renderError(c, fault.status, fault.message);
  }
  c.var.deps.log.error({ msg: "unhandled error", requestId: c.var.requestId, method: c.req.method, path: c.req.path, error: err.message, stack: err.stack });
  return renderError(c, 500, "Steward hit an unexpected error. It has been logged; please try again. If it keeps happening, quote the request id below.");
}
