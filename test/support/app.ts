import { createApp, type App } from "../../src/app.tsx";
import { parseConfig, type Config } from "../../src/config.ts";
import type { Db } from "../../src/domain/db.ts";
import type { Logger } from "../../src/routes/types.ts";

export const ORIGIN = "http://localhost:3000";

export function testConfig(env: Record<string, string> = {}): Config {
  // TRUST_PROXY lets each test Client present its own address (X-Forwarded-For), as browsers behind a proxy do;
  // app.request() has no socket to take one from.
  return parseConfig({ NODE_ENV: "test", LOG_REQUESTS: "false", PUBLIC_URL: ORIGIN, TRUST_PROXY: "true", ...env });
}

/** A logger that keeps its lines, so tests can read what would have been written. */
export function memoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, info: (f) => lines.push({ level: "info", ...f }), error: (f) => lines.push({ level: "error", ...f }) };
}

export interface TestAppOptions {
  db: Db;
  env?: Record<string, string>;
  now?: () => Date;
  log?: Logger;
}

export function testApp(opts: TestAppOptions): App {
  return createApp({ config: testConfig(opts.env), db: opts.db, now: opts.now ?? (() => new Date()), log: opts.log ?? memoryLogger() });
}

type Body = Record<string, string> | URLSearchParams | FormData;

/**
 * Drives the real app through app.request() like a browser on the same origin: keeps cookies, sends Origin and
 * Sec-Fetch-Site on unsafe requests, and never follows redirects (tests assert them).
 */
export class Client {
  readonly cookies = new Map<string, string>();
  /** This client's address, sent as X-Forwarded-For: a fresh one per client unless given. */
  ip: string;
  constructor(
    readonly app: App,
    opts: { ip?: string } = {},
  ) {
    this.ip = opts.ip ?? `10.${(Math.random() * 255) | 0}.${(Math.random() * 255) | 0}.${(Math.random() * 254 + 1) | 0}`;
  }

  async request(method: string, path: string, init: { body?: Body | string; headers?: Record<string, string>; json?: unknown } = {}) {
    const headers = new Headers(init.headers);
    if (!headers.has("x-forwarded-for")) headers.set("x-forwarded-for", this.ip);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
    } else if (typeof init.body === "string") {
      body = init.body;
    } else if (init.body instanceof FormData) {
      body = init.body;
    } else if (init.body) {
      body = new URLSearchParams(init.body as Record<string, string>);
    }
    if (!["GET", "HEAD"].includes(method)) {
      if (!headers.has("origin")) headers.set("origin", ORIGIN);
      if (!headers.has("sec-fetch-site")) headers.set("sec-fetch-site", "same-origin");
    }
    const res = await this.app.request(`${ORIGIN}${path}`, { method, headers, body, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...rest] = pair!.split("=");
      const value = rest.join("=");
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === "") this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return res;
  }
  get(path: string, headers?: Record<string, string>) {
    return this.request("GET", path, { headers });
  }
  post(path: string, body?: Body, headers?: Record<string, string>) {
    return this.request("POST", path, { body, headers });
  }
  /** An htmx 4 request for a fragment. */
  htmx(method: string, path: string, body?: Body) {
    return this.request(method, path, { body, headers: { "hx-request": "true", "hx-request-type": "partial" } });
  }
}
