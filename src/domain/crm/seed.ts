import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { sql } from "kysely";
import { audit } from "../audit/audit.ts";
import { createUser, normalizeEmail } from "../auth/accounts.ts";
import { hashPassword, passwordProblem, rememberPassword } from "../auth/passwords.ts";
import { inTransaction, type Ctx } from "../context.ts";
import type { Db } from "../db.ts";
import { Invalid } from "../errors.ts";
import { createWorkspace, membershipBySlug, SlugSchema } from "../tenancy/workspaces.ts";
import { ensureDefaultPipeline } from "./pipelines.ts";
import { fill } from "./seed-records.ts";

// `bun run seed`: a demo workspace full of believable CRM data, for trying Steward and for the scale benchmark.
// A rerun resets the demo workspace's CRM data and fills it again (never adds a second copy), in one
// transaction, so a failed run leaves the previous data as it was. Names come from small lists combined by a
// seeded PRNG: the same size gives the same people, companies and deals every time.

export const DEMO_EMAIL = "demo@steward.localhost";
export const SEED_SIZES = {
  small: { companies: 50, contacts: 200, deals: 100, leads: 20, activities: 500, notes: 60, tasks: 30 },
  large: { companies: 20_000, contacts: 100_000, deals: 50_000, leads: 10_000, activities: 200_000, notes: 10_000, tasks: 5_000 },
} as const;
export type SeedSize = keyof typeof SEED_SIZES;
export type SeedCounts = { -readonly [K in keyof (typeof SEED_SIZES)["small"]]: number };

const CRM_TABLES = ["activities", "notes", "tasks", "attachments", "deal_contacts", "leads", "deals", "contacts", "companies", "pipeline_stages", "pipelines", "custom_field_definitions"];

export interface SeedOptions {
  slug?: string;
  size?: SeedSize;
  /** The demo user's password: set on creation (random when absent) and replaced on a rerun only when given. */
  password?: string | null;
  now?: Date;
  log?: (message: string) => void;
}

export interface SeedResult {
  userId: string;
  tenantId: string;
  slug: string;
  email: string;
  /** The password to print, or null when an existing account kept its own. */
  password: string | null;
  counts: SeedCounts;
  seconds: number;
}

/** The demo account: created with a random (or given) password, or reused as it is (a given password replaces its own). */
async function demoUser(db: Db, now: Date, wanted: string | null): Promise<{ id: string; name: string; password: string | null }> {
  const existing = await db.app.selectFrom("users").select(["id", "name"]).where("email_normalized", "=", normalizeEmail(DEMO_EMAIL)).executeTakeFirst();
  if (existing && !wanted) return { ...existing, password: null };
  // 16 random base32 characters: never on a common-password list.
  const password = wanted ?? `demo-${encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(10)))}`;
  const problem = passwordProblem(password, { email: DEMO_EMAIL });
  if (problem) throw new Error(`the demo password is refused: ${problem}`);
  const passwordHash = await hashPassword(password);
  const ctx: Ctx = { db: db.app, tenantId: null, actor: null, now, ip: null, userAgent: "bun run seed" };
  return inTransaction(ctx, async (tx) => {
    if (!existing) {
      const user = await createUser(tx, { name: "Demo User", email: DEMO_EMAIL, passwordHash });
      if (!user) throw new Error(`${DEMO_EMAIL} was created by another process meanwhile; run the seed again`);
      return { id: user.id, name: user.name, password };
    }
    await tx.db.updateTable("users").set({ password_hash: passwordHash, updated_at: now }).where("id", "=", existing.id).execute();
    await rememberPassword(tx, existing.id, passwordHash);
    await audit({ ...tx, actor: { type: "system", id: null, label: "bun run seed" } }, "password.changed", { type: "user", id: existing.id }, { by: "seed" });
    return { ...existing, password };
  });
}

/** The demo workspace: created for the demo user, or reused when the demo user owns it. Any other workspace with
 *  that slug is someone's real data, and the seed refuses to touch it. */
async function demoWorkspace(db: Db, now: Date, slug: string, user: { id: string; name: string }): Promise<string> {
  const mine = await membershipBySlug(db.app, user.id, slug);
  if (mine?.role === "owner") return mine.tenantId;
  const taken = new Error(`the workspace "${slug}" exists and is not the demo workspace: choose another slug (--slug)`);
  if (mine) throw taken;
  const ctx: Ctx = { db: db.app, tenantId: null, actor: { type: "user", id: user.id, label: user.name }, now, ip: null, userAgent: "bun run seed" };
  try {
    return (await inTransaction(ctx, (tx) => createWorkspace(tx, { name: "Demo", slug }, user.id))).id;
  } catch (err) {
    if (err instanceof Invalid) throw taken;
    throw err;
  }
}

/** Builds (or rebuilds) the demo workspace on `db` and reports what it made. */
export async function seedDemo(db: Db, opts: SeedOptions = {}): Promise<SeedResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const now = opts.now ?? new Date();
  const size = opts.size ?? "small";
  const slugCheck = SlugSchema.safeParse(opts.slug ?? "demo");
  if (!slugCheck.success) throw new Error(`--slug: ${slugCheck.error.issues[0]!.message}`);
  const slug = slugCheck.data;
  const user = await demoUser(db, now, opts.password ?? null);
  const tenantId = await demoWorkspace(db, now, slug, user);
  const counts: SeedCounts = { ...SEED_SIZES[size] };
  const ctx: Ctx = { db: db.app, tenantId, actor: { type: "system", id: null, label: "bun run seed", role: "owner" }, now, ip: null, userAgent: "bun run seed" };

  await inTransaction(ctx, async (tx) => {
    const r0 = performance.now();
    for (const t of CRM_TABLES) await sql`delete from ${sql.table(t)} where tenant_id = ${tenantId}`.execute(tx.db);
    log(`cleared the workspace's CRM data in ${((performance.now() - r0) / 1000).toFixed(1)} s`);
    const pipelineId = (await ensureDefaultPipeline(tx)).id;
    const stages = await tx.db.selectFrom("pipeline_stages").select(["id", "probability"]).where("pipeline_id", "=", pipelineId).orderBy("position").execute();
    await fill(tx, { counts, userId: user.id, pipelineId, stages, log });
    await audit(tx, "demo.seeded", { type: "workspace", id: tenantId }, { size, ...counts });
  });
  // Fresh statistics and visibility maps, or the first queries plan (and index-only scans run) as if empty. The
  // owner role owns the tables; VACUUM cannot run inside a transaction.
  const v0 = performance.now();
  for (const t of CRM_TABLES) await sql`vacuum (analyze) ${sql.table(t)}`.execute(db.owner);
  log(`vacuum analyze in ${((performance.now() - v0) / 1000).toFixed(1)} s`);
  return { userId: user.id, tenantId, slug, email: DEMO_EMAIL, password: user.password, counts, seconds: (performance.now() - t0) / 1000 };
}
