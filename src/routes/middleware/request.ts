import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Gives every request an id (a trusted proxy's X-Request-Id, or a new one) and writes one access-log line when
 * it ends: method, path (never the query string, which may hold tokens), status, duration, id. No bodies,
 * cookies or headers.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { config, log } = c.var.deps;
    const incoming = c.req.header("x-request-id");
    const id = config.TRUST_PROXY && incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    const started = performance.now();
    await next();
    c.res.headers.set("X-Request-Id", id);
    if (config.LOG_REQUESTS) {
      log.info({
        msg: "request",
        method: c.req.method,
        // Links in emails carry their secret in the path; the log keeps only the route's shape.
        path: c.req.path.replace(/^\/(invitations|password-reset|profile\/email|data-exports|account-deletion)\/[^/]+/, "/$1/[token]"),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        requestId: id,
      });
    }
  };
}
