import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { checkPassword, EmailSchema, type Links } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { Role } from "../schema.ts";
import { membershipBySlug } from "../tenancy/workspaces.ts";
import { ACCESS_TOKEN_SECONDS, signAccessToken, verifyAccessToken } from "./jwt.ts";
import { randomSecret, sha256Hex } from "./secrets.ts";

// Tokens for user apps (issue 9 item 3, P22). Email and password (with P06's lockout) buy a 15-minute access JWT
// and an opaque refresh token stored as SHA-256 hex. Each refresh uses the token up and issues the next in its
// family; presenting a used token again means it was copied, so the whole family is revoked.

export const REFRESH_DAYS = 30;
const REFRESH_PREFIX = "str_";

export const TokenRequestSchema = z.object({
  grant_type: z.enum(["password", "refresh_token"], { error: "Use grant_type password or refresh_token." }),
  email: EmailSchema.optional(),
  password: z.string().max(1024).optional(),
  workspace: z.string().max(100).optional(),
  refresh_token: z.string().max(200).optional(),
});
export type TokenRequest = z.output<typeof TokenRequestSchema>;

export const TokenResponseSchema = z.object({
  token_type: z.literal("Bearer"),
  access_token: z.string(),
  expires_in: z.number().int(),
  refresh_token: z.string(),
});
export type TokenResponse = z.output<typeof TokenResponseSchema>;

export interface TokenSettings {
  secret: string | undefined;
  issuer: string;
  audience: string;
}

async function issue(tx: Ctx, s: TokenSettings, userId: string, familyId: string): Promise<TokenResponse> {
  const refresh = REFRESH_PREFIX + randomSecret(32);
  await tx.db
    .insertInto("api_refresh_tokens")
    .values({ tenant_id: tx.tenantId!, id: Bun.randomUUIDv7(), family_id: familyId, user_id: userId, token_hash: sha256Hex(refresh), created_at: tx.now, expires_at: new Date(tx.now.getTime() + REFRESH_DAYS * 86_400_000) })
    .execute();
  const iat = Math.floor(tx.now.getTime() / 1000);
  const access = await signAccessToken(s.secret, { iss: s.issuer, aud: s.audience, sub: userId, tid: tx.tenantId!, fam: familyId, iat, exp: iat + ACCESS_TOKEN_SECONDS });
  return { token_type: "Bearer", access_token: access, expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh };
}

/** Password grant: null when the email, password or workspace is wrong (one answer for all, as at sign-in). */
export async function passwordGrant(ctx: Ctx, s: TokenSettings, input: { email: string; password: string; workspace: string }, links: Links): Promise<TokenResponse | null> {
  const user = await checkPassword(ctx, input.email, input.password, links);
  if (!user) return null;
  const membership = await membershipBySlug(ctx.db, user.id, input.workspace);
  if (!membership) return null;
  return inTransaction({ ...ctx, tenantId: membership.tenantId, actor: { type: "user", id: user.id, label: user.name, role: membership.role } }, async (tx) => {
    const familyId = Bun.randomUUIDv7();
    const out = await issue(tx, s, user.id, familyId);
    await audit(tx, "api_token.issued", { type: "api_token_family", id: familyId });
    return out;
  });
}

/** Refresh grant: the next token of the family, or null. A used token revokes its family (committed, then null). */
export async function refreshGrant(ctx: Ctx, s: TokenSettings, token: string): Promise<TokenResponse | null> {
  if (!token.startsWith(REFRESH_PREFIX)) return null;
  const found = await sql<{ tenant_id: string; id: string }>`select * from app_private.api_refresh_by_hash(${sha256Hex(token)})`.execute(ctx.db);
  const hit = found.rows[0];
  if (!hit) return null;
  return inTransaction({ ...ctx, tenantId: hit.tenant_id }, async (tx) => {
    const row = await tx.db.selectFrom("api_refresh_tokens").selectAll().where("tenant_id", "=", hit.tenant_id).where("id", "=", hit.id).forUpdate().executeTakeFirstOrThrow();
    const user = await tx.db.selectFrom("users").select(["id", "name"]).where("id", "=", row.user_id).executeTakeFirstOrThrow();
    const actorTx: Ctx = { ...tx, actor: { type: "user", id: user.id, label: user.name } };
    if (row.revoked_at || row.expires_at.getTime() <= tx.now.getTime()) return null;
    if (row.used_at) {
      await tx.db.updateTable("api_refresh_tokens").set({ revoked_at: tx.now }).where("tenant_id", "=", hit.tenant_id).where("family_id", "=", row.family_id).where("revoked_at", "is", null).execute();
      await audit(actorTx, "api_token.reused", { type: "api_token_family", id: row.family_id }, { outcome: "family revoked" });
      return null;
    }
    const member = await tx.db.selectFrom("memberships").select("role").where("tenant_id", "=", hit.tenant_id).where("user_id", "=", row.user_id).executeTakeFirst();
    if (!member) return null;
    await tx.db.updateTable("api_refresh_tokens").set({ used_at: tx.now }).where("tenant_id", "=", hit.tenant_id).where("id", "=", row.id).execute();
    const out = await issue(tx, s, row.user_id, row.family_id);
    await audit(actorTx, "api_token.refreshed", { type: "api_token_family", id: row.family_id });
    return out;
  });
}

export interface TokenPrincipal {
  tenantId: string;
  userId: string;
  userName: string;
  familyId: string;
  role: Role;
  workspaceStatus: string;
}

/**
 * The user behind a valid access token, still a member of its workspace, with the token's family not revoked
 * (a reused refresh token or an account erasure ends its access tokens at once, not 15 minutes later).
 */
export async function authenticateAccessToken(ctx: Ctx, s: TokenSettings, token: string): Promise<TokenPrincipal | null> {
  const claims = await verifyAccessToken(s.secret, token, { iss: s.issuer, aud: s.audience, now: ctx.now });
  if (!claims) return null;
  return inTransaction({ ...ctx, tenantId: claims.tid }, async (tx) => {
    const row = await tx.db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("tenants as t", "t.id", "m.tenant_id")
      .select(["m.role", "u.name", sql<string>`t.status`.as("status")])
      .where("m.tenant_id", "=", claims.tid)
      .where("m.user_id", "=", claims.sub)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom("api_refresh_tokens").select("id").where("tenant_id", "=", claims.tid).where("family_id", "=", claims.fam).where("revoked_at", "is not", null))),
      )
      .executeTakeFirst();
    if (!row) return null;
    return { tenantId: claims.tid, userId: claims.sub, userName: row.name, familyId: claims.fam, role: row.role, workspaceStatus: row.status };
  });
}
