import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { sql } from "kysely";
import { z } from "zod";
import { audit } from "../audit/audit.ts";
import { EmailSchema } from "../auth/accounts.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { NotFound } from "../errors.ts";
import { sendEmailLater } from "../mail/outbox.ts";
import { verificationCodeEmail } from "./request-emails.ts";
import type { RequestType } from "./request-tables.ts";
import { applyAction, loadRequest } from "./request-transitions.ts";
import { insertRequest, REQUEST_TYPES } from "./requests.ts";

// Requests from outside (P18): anyone may ask a workspace about the data it holds on their address. The request
// enters the queue only once the address is proven by a 6-digit code sent to it: only its hash is kept, for 10
// minutes and 5 attempts. Every answer is the same whether the address is known to the workspace or not.

export const CODE_MINUTES = 10;
export const CODE_ATTEMPTS = 5;

export const PublicRequestSchema = z.object({
  type: z.enum(REQUEST_TYPES, { error: "Choose what you are asking for." }),
  email: z.preprocess((v) => v ?? "", EmailSchema),
  details: z.string().trim().max(2000, { error: "Use at most 2000 characters." }).optional(),
});

export interface PublicWorkspace {
  tenantId: string;
  name: string;
}

/** The workspace behind a public request page's slug (its id and name only), or 404. */
export async function publicWorkspace(ctx: Ctx, slug: string): Promise<PublicWorkspace> {
  if (!/^[a-z0-9-]{3,40}$/.test(slug)) throw new NotFound();
  const r = await sql<{ tenant_id: string; name: string }>`select tenant_id, name from app_private.privacy_request_workspace(${slug})`.execute(ctx.db);
  const row = r.rows[0];
  if (!row) throw new NotFound();
  return { tenantId: row.tenant_id, name: row.name };
}

const hashCode = (requestId: string, code: string) => sha256(new TextEncoder().encode(`${requestId}:${code}`));

function newCode(): string {
  const n = new Uint32Array(1);
  crypto.getRandomValues(n);
  return String(n[0]! % 1_000_000).padStart(6, "0");
}

/** Records an unverified request and emails its code. Returns the request id (for the code page's address). */
export async function createPublicRequest(ctx: Ctx, ws: PublicWorkspace, input: { type: RequestType; email: string; details?: string }): Promise<string> {
  const tx0: Ctx = { ...ctx, tenantId: ws.tenantId, actor: null };
  return inTransaction(tx0, async (tx) => {
    const req = await insertRequest(tx, { type: input.type, source: "public", subject: { kind: "email", email: input.email }, requesterEmail: input.email, details: input.details });
    const code = newCode();
    await tx.db
      .insertInto("privacy_verification_codes")
      .values({ tenant_id: ws.tenantId, request_id: req.id, code_hash: hashCode(req.id, code), expires_at: new Date(tx.now.getTime() + CODE_MINUTES * 60_000), created_at: tx.now })
      .execute();
    const mail = verificationCodeEmail({ workspace: ws.name, code, minutes: CODE_MINUTES });
    await sendEmailLater(tx, `privacy-code:${req.id}`, { to: input.email, ...mail });
    return req.id;
  });
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: "wrong"; attemptsLeft: number } | { ok: false; reason: "dead" };

/**
 * Checks a code. Wrong: one attempt used (committed even though the answer is a refusal). Expired, used up, or
 * for a request that is not waiting: dead, and the requester starts again.
 */
export async function verifyPublicRequest(ctx: Ctx, ws: PublicWorkspace, requestId: string, code: string): Promise<VerifyOutcome> {
  const tx0: Ctx = { ...ctx, tenantId: ws.tenantId, actor: null };
  return inTransaction(tx0, async (tx) => {
    const req = await loadRequest(tx, requestId, { lock: true }).catch(() => null);
    const row = req && (await tx.db.selectFrom("privacy_verification_codes").selectAll().where("tenant_id", "=", ws.tenantId).where("request_id", "=", requestId).executeTakeFirst());
    if (!req || !row || req.state !== "identity_unverified" || row.expires_at.getTime() <= tx.now.getTime() || row.attempts >= CODE_ATTEMPTS) {
      if (row) await tx.db.deleteFrom("privacy_verification_codes").where("tenant_id", "=", ws.tenantId).where("request_id", "=", requestId).execute();
      return { ok: false as const, reason: "dead" as const };
    }
    const given = /^\d{6}$/.test(code.trim()) ? code.trim() : "";
    if (!given || !constantTimeEqual(hashCode(requestId, given), new Uint8Array(row.code_hash))) {
      const attempts = row.attempts + 1;
      await tx.db.updateTable("privacy_verification_codes").set({ attempts }).where("tenant_id", "=", ws.tenantId).where("request_id", "=", requestId).execute();
      await audit(tx, "privacy_request.verification_failed", { type: "privacy_request", id: requestId }, { attempts });
      return attempts >= CODE_ATTEMPTS ? { ok: false as const, reason: "dead" as const } : { ok: false as const, reason: "wrong" as const, attemptsLeft: CODE_ATTEMPTS - attempts };
    }
    await tx.db.deleteFrom("privacy_verification_codes").where("tenant_id", "=", ws.tenantId).where("request_id", "=", requestId).execute();
    await applyAction(tx, req, { type: "verify" });
    return { ok: true as const };
  });
}
