import { hash, verify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";
import type { Ctx } from "../context.ts";

// P02: argon2id at OWASP's minimum cost (m = 19 MiB, t = 2, p = 1); ~15 ms to hash here.
// algorithm 2 is Argon2id (a const enum in the typings, which isolated modules cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_LENGTH = 10;
export const MAX_LENGTH = 256;
export const HISTORY_SIZE = 5;

// NIST SP 800-63B: refuse known-breached and common passwords rather than imposing composition rules.
// zxcvbn-ts's common list (≈49k entries); only those long enough to pass the length rule matter.
const COMMON = new Set((dictionary["passwords-common"] as string[]).filter((p) => p.length >= MIN_LENGTH).map((p) => p.toLowerCase()));

/** The problem with a new password, in words for the person typing it, or null when it is fine. */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | null {
  const length = [...password].length; // characters, not UTF-16 units: any script counts the same
  if (length < MIN_LENGTH) return `Use at least ${MIN_LENGTH} characters.`;
  if (length > MAX_LENGTH) return `Use at most ${MAX_LENGTH} characters.`;
  if (COMMON.has(password.toLowerCase())) return "This password is on a list of commonly used passwords. Choose another.";
  const email = context.email?.toLowerCase();
  if (email && (password.toLowerCase() === email || password.toLowerCase() === email.split("@")[0])) return "Don't use your email address as your password.";
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize("NFKC"), OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password.normalize("NFKC"));
  } catch {
    return false;
  }
}

// Verifying against a real hash of a random password costs what a real verify costs, so an unknown email
// answers in the same time as a known one.
const dummyHash = hash(crypto.randomUUID(), OPTIONS);
export async function dummyVerify(password: string): Promise<false> {
  await verify(await dummyHash, password.normalize("NFKC")).catch(() => false);
  return false;
}

/** P03: true when the password matches the current one or any of the last HISTORY_SIZE. */
export async function reusesRecentPassword(ctx: Ctx, userId: string, password: string): Promise<boolean> {
  const rows = await ctx.db
    .selectFrom("password_history")
    .select("password_hash")
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc") // UUIDv7: breaks ties between changes in the same millisecond
    .limit(HISTORY_SIZE)
    .execute();
  for (const r of rows) if (await verifyPassword(r.password_hash, password)) return true;
  return false;
}

/** Records a new password hash in the history and keeps only the last HISTORY_SIZE. */
export async function rememberPassword(ctx: Ctx, userId: string, passwordHash: string): Promise<void> {
  await ctx.db.insertInto("password_history").values({ id: Bun.randomUUIDv7(), user_id: userId, password_hash: passwordHash, created_at: ctx.now }).execute();
  const keep = ctx.db.selectFrom("password_history").select("id").where("user_id", "=", userId).orderBy("created_at", "desc").orderBy("id", "desc").limit(HISTORY_SIZE);
  await ctx.db.deleteFrom("password_history").where("user_id", "=", userId).where("id", "not in", keep).execute();
}
