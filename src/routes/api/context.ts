import type { Context } from "hono";
import type { Actor, Ctx } from "../../domain/context.ts";
import type { TokenSettings } from "../../domain/api/tokens.ts";
import { Invalid } from "../../domain/errors.ts";
import type { Role } from "../../domain/schema.ts";
import { clientIp } from "../middleware/session.ts";
import type { AppEnv } from "../types.ts";

/** Who a bearer credential is: a workspace API key, or a user through an access token. */
export interface Principal {
  kind: "key" | "token";
  /** The key's id, or the token's refresh family: rate limits and idempotency records are per credential. */
  credentialId: string;
  tenantId: string;
  role: Role;
  actor: Actor;
  workspaceStatus: string;
  /** Set when authentication already counted this request against the credential's limit (API keys). */
  hits?: number | null;
}

export type ApiEnv = { Variables: AppEnv["Variables"] & { principal: Principal } };

/** The context before the credential is known: no workspace, no actor. */
export function apiCtxBase(c: Context<any>): Ctx {
  return { db: c.var.deps.db.app, tenantId: null, actor: null, now: c.var.deps.now(), ip: clientIp(c as unknown as Context<AppEnv>), userAgent: c.req.header("user-agent")?.slice(0, 400) ?? null };
}

/** The domain context of an API request: the credential's workspace, and the key (or the token's user) as actor. */
export function apiCtx(c: Context<ApiEnv>): Ctx {
  const p = c.var.principal;
  return { db: c.var.deps.db.app, tenantId: p.tenantId, actor: p.actor, now: c.var.deps.now(), ip: clientIp(c as unknown as Context<AppEnv>), userAgent: c.req.header("user-agent")?.slice(0, 400) ?? null };
}

export function tokenSettings(c: Context<AppEnv> | Context<ApiEnv>): TokenSettings {
  const { config } = c.var.deps;
  return { secret: config.API_JWT_SECRET, issuer: config.publicUrl, audience: `${config.publicUrl}/api/v1` };
}

/** The JSON object body; anything else is a 422 problem with a field-less message. */
export async function readJson(c: Context<any>): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new Invalid({ _body: "Send a JSON object with Content-Type: application/json." });
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new Invalid({ _body: "The body is not valid JSON." });
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new Invalid({ _body: "Send a JSON object." });
  // JSON may escape half a surrogate pair ("\ud800"); such text cannot be stored (PostgreSQL refuses it in jsonb).
  for (const [key, value] of Object.entries(body)) {
    if (!wellFormed(key) || !wellFormed(value)) throw new Invalid({ [wellFormed(key) ? key : "_body"]: "This text is not valid Unicode (it holds half a surrogate pair)." });
  }
  return body as Record<string, unknown>;
}

const wellFormed = (v: unknown): boolean =>
  typeof v === "string" ? v.isWellFormed() : Array.isArray(v) ? v.every(wellFormed) : v !== null && typeof v === "object" ? Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormed(x)) : true;
