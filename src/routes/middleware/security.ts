import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types.ts";

// P07. Everything Steward serves comes from its own origin: no inline script or style, nothing third-party.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

/** Security headers on every response, errors and static files included (set after the handler ran). */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    const production = c.var.deps.config.production;
    // A download is never a page: if a browser rendered one anyway, it could run nothing and reach nothing.
    const download = h.get("content-disposition")?.startsWith("attachment");
    h.set("Content-Security-Policy", download ? "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; object-src 'none'" : production ? `${CSP}; upgrade-insecure-requests` : CSP);
    h.set("X-Frame-Options", "DENY");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "same-origin");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()");
    if (production) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload");
    // Pages may hold personal data: never cached unless a route opted in (static files are immutable).
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  };
}

function requestProto(c: { req: { url: string; header(n: string): string | undefined } }, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  return forwarded || new URL(c.req.url).protocol.replace(":", "");
}

/** P08: in production, plain HTTP is redirected to the public HTTPS origin. /health stays reachable for probes. */
export function httpsRedirect(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { config } = c.var.deps;
    if (config.production && c.req.path !== "/health" && requestProto(c, config.TRUST_PROXY) === "http") {
      const url = new URL(c.req.url);
      const target = new URL(url.pathname + url.search, config.publicUrl.replace(/^http:/, "https:"));
      return c.redirect(target.toString(), 301);
    }
    await next();
  };
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * Posts that come from other sites by design and carry no session, so the Origin check does not apply: the payment
 * processor's webhook and messaging providers' webhooks (server to server, each checked by its own signature), and
 * public lead forms (posted from the embedding site). The REST API is mounted before this check (bearer tokens).
 */
const CROSS_SITE_POSTS = [/^\/billing\/webhook$/, /^\/hooks\//, /^\/f\//];

/**
 * Cross-site request forgery guard for every unsafe method, whatever the body type (Hono's csrf() checks only
 * form types). Browsers send Sec-Fetch-Site and Origin; a request that says it is cross-site, or whose Origin is
 * not ours, gets 403. Requests without either header are not from a browser page and carry no ambient cookie
 * risk worth blocking (API clients, curl).
 */
export function originCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method) || CROSS_SITE_POSTS.some((r) => r.test(c.req.path))) return next();
    const site = c.req.header("sec-fetch-site");
    const origin = c.req.header("origin");
    const { config } = c.var.deps;
    const allowed = new Set([config.publicUrl, `${requestProto(c, config.TRUST_PROXY)}://${c.req.header("host")}`]);
    const badSite = site !== undefined && site !== "same-origin" && site !== "none";
    const badOrigin = origin !== undefined && !allowed.has(origin);
    if (badSite || badOrigin) {
      throw new CrossSiteRequest();
    }
    return next();
  };
}

export class CrossSiteRequest extends Error {
  constructor() {
    super("This request came from another site, so it was refused. Reload the page and try again.");
  }
}
