import { expect } from "bun:test";
import type { App } from "../../../src/app.tsx";
import { ORIGIN } from "../../support/app.ts";
import type { Account } from "../../support/factories.ts";

/** Creates a key through the admin page, as an admin would, and returns the key shown once. */
export async function createKey(a: Account, access: "read" | "write" = "write", name = "Test key"): Promise<string> {
  const res = await a.client.post(`/t/${a.slug}/settings/api-keys`, { name, access });
  expect(res.status).toBe(201);
  const html = await res.text();
  const m = /<code id="new-key">(stw_[a-z0-9]+)<\/code>/.exec(html);
  expect(m).not.toBeNull();
  return m![1]!;
}

/** A request to the API with a bearer credential: no cookie, no Origin, as a program sends it. */
export function api(app: App, credential: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const h = new Headers(headers);
  if (credential) h.set("authorization", `Bearer ${credential}`);
  if (body !== undefined && !h.has("content-type")) h.set("content-type", "application/json");
  if (!h.has("x-forwarded-for")) h.set("x-forwarded-for", "203.0.113.7");
  return app.request(`${ORIGIN}/api/v1${path}`, { method, headers: h, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
