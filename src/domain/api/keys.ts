import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { parseForm } from "../crm/companies.ts";
import { isUuid, requiredText } from "../crm/shared.ts";
import { authorize } from "../tenancy/permissions.ts";
import type { Role } from "../schema.ts";
import { apiWindowStart } from "./limits.ts";
import { randomSecret, sha256Hex } from "./secrets.ts";
import type { ApiScope } from "./tables.ts";

// Workspace API keys (issue 9 item 2, P22). A key is `stw_<40 base32 chars>`; the first 12 characters are kept as
// its visible prefix, the whole key only as SHA-256 hex. Admins create and revoke them ("settings.manage").

export const KEY_PREFIX = "stw_";
const PREFIX_LENGTH = 12;
export const MAX_KEYS = 100;

export const ApiKeySchema = z.object({
  name: requiredText(100, "Name the key, e.g. the app that will use it."),
  access: z.enum(["read", "write"], { error: "Choose read or read and write." }),
});

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_by_name: string | null;
}

export async function listApiKeys(ctx: Ctx): Promise<ApiKeyRow[]> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, (tx) =>
    tx.db
      .selectFrom("api_keys as k")
      .leftJoin("users as u", "u.id", "k.created_by")
      .select(["k.id", "k.name", "k.prefix", "k.scopes", "k.created_at", "k.last_used_at", "k.revoked_at", "u.name as created_by_name"])
      .where("k.tenant_id", "=", tx.tenantId!)
      .orderBy("k.created_at", "desc")
      .orderBy("k.id", "desc")
      .limit(MAX_KEYS)
      .execute(),
  );
}

/** Creates a key; the plain key is returned here and never again. */
export async function createApiKey(ctx: Ctx, values: Record<string, string>): Promise<{ id: string; key: string }> {
  authorize(ctx, "settings.manage");
  const input = parseForm(ApiKeySchema, values);
  return inTransaction(ctx, async (tx) => {
    const key = KEY_PREFIX + randomSecret(25);
    const id = Bun.randomUUIDv7();
    const scopes: ApiScope[] = input.access === "write" ? ["read", "write"] : ["read"];
    const prefix = key.slice(0, PREFIX_LENGTH);
    await tx.db
      .insertInto("api_keys")
      .values({ tenant_id: tx.tenantId!, id, name: input.name, prefix, secret_hash: sha256Hex(key), scopes, created_by: tx.actor?.type === "user" ? tx.actor.id : null, created_at: tx.now })
      .execute();
    await audit(tx, "api_key.created", { type: "api_key", id }, { name: input.name, scopes, prefix });
    return { id, key };
  });
}

/** Revokes a key: from the next request on it answers 401. */
export async function revokeApiKey(ctx: Ctx, id: string): Promise<void> {
  authorize(ctx, "settings.manage");
  if (!isUuid(id)) throw new NotFound();
  await inTransaction(ctx, async (tx) => {
    const row = await tx.db
      .updateTable("api_keys")
      .set({ revoked_at: tx.now })
      .where("tenant_id", "=", tx.tenantId!)
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .returning(["name", "prefix"])
      .executeTakeFirst();
    if (!row) throw new NotFound();
    await audit(tx, "api_key.revoked", { type: "api_key", id }, { name: row.name, prefix: row.prefix });
  });
}

/** What a key may do in its workspace: read → a viewer's rights, write → a member's (the permission matrix). */
export const roleOfScopes = (scopes: ApiScope[]): Role => (scopes.includes("write") ? "member" : "viewer");

export interface KeyPrincipal {
  tenantId: string;
  keyId: string;
  name: string;
  scopes: ApiScope[];
  workspaceStatus: string;
  /** This request's count in the key's rate-limit window; null when not counted (a refused write). */
  hits: number | null;
}

const LAST_USED_EVERY_MS = 60_000;

/**
 * The live key this bearer string is, or null (unknown, revoked), with this request counted against the key's rate
 * limit (`write`: a change, not counted when the workspace is read-only and refuses it). Records its last use, at
 * most once a minute.
 */
export async function authenticateApiKey(ctx: Ctx, key: string, write: boolean): Promise<KeyPrincipal | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 100) return null;
  // One call finds the key with all a request needs (revoked keys are not found) and counts the hit (migration
  // 0026); only a stale last-used time costs a write, at most once per LAST_USED_EVERY_MS.
  const found = await sql<{ tenant_id: string; id: string; status: string; name: string; scopes: ApiScope[]; last_used_at: Date | null; hits: number | null }>`
    select * from app_private.api_key_hit(${sha256Hex(key)}, ${apiWindowStart(ctx.now)}, ${write})`.execute(ctx.db);
  const hit = found.rows[0];
  if (!hit) return null;
  if (!hit.last_used_at || ctx.now.getTime() - hit.last_used_at.getTime() > LAST_USED_EVERY_MS) {
    await inTransaction({ ...ctx, tenantId: hit.tenant_id }, (tx) =>
      tx.db.updateTable("api_keys").set({ last_used_at: tx.now }).where("tenant_id", "=", hit.tenant_id).where("id", "=", hit.id).execute(),
    );
  }
  return { tenantId: hit.tenant_id, keyId: hit.id, name: hit.name, scopes: hit.scopes, workspaceStatus: hit.status, hits: hit.hits };
}

/** P15: an account being erased loses its keys and refresh tokens in every workspace, at once. */
export async function revokeUserApiCredentials(ctx: Ctx, userId: string): Promise<number> {
  const r = await sql<{ n: number }>`select app_private.revoke_user_api_credentials(${userId}, ${ctx.now}) as n`.execute(ctx.db);
  return r.rows[0]?.n ?? 0;
}
