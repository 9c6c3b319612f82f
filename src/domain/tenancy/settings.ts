import { sql } from "kysely";
import { z } from "zod";
import { audit, diff } from "../audit/audit.ts";
import { inTransaction, type Ctx } from "../context.ts";
import { Invalid, NotFound } from "../errors.ts";
import { authorize } from "./permissions.ts";
import { slugAvailable, SlugSchema, WorkspaceNameSchema } from "./workspaces.ts";

/** How long an old address keeps redirecting members (and stays unavailable to others) after a rename. */
export const SLUG_REDIRECT_DAYS = 30;

export const UNITS = ["metric", "imperial"] as const;
export type Units = (typeof UNITS)[number];

/** The IANA zones this runtime knows, plus UTC (some runtimes list it only as Etc/UTC). */
export const TIME_ZONES: readonly string[] = (() => {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
})();
const ZONE_SET = new Set(TIME_ZONES);

const TAKEN = "This address is taken. Choose another.";

export const SettingsSchema = z.object({
  name: WorkspaceNameSchema,
  slug: SlugSchema,
  time_zone: z
    .string()
    .trim()
    .refine((v) => ZONE_SET.has(v), { error: "Choose a time zone from the list." }),
  // ISO weekday numbers: 1 = Monday … 7 = Sunday.
  week_start: z
    .string()
    .trim()
    .regex(/^[1-7]$/, { error: "Choose a day of the week." })
    .transform(Number),
  units: z.enum(UNITS, { error: "Choose metric or imperial." }),
});
export type SettingsInput = z.output<typeof SettingsSchema>;

export interface WorkspaceSettings {
  id: string;
  name: string;
  slug: string;
  time_zone: string;
  week_start: number;
  units: Units;
}

const FIELDS = ["name", "slug", "time_zone", "week_start", "units"] as const;

/** The settings of the workspace in ctx; any member may read them. */
export async function workspaceSettings(ctx: Ctx): Promise<WorkspaceSettings> {
  return inTransaction(ctx, async (tx) => {
    const row = await tx.db.selectFrom("tenants").select(["id", ...FIELDS]).where("id", "=", tx.tenantId!).executeTakeFirst();
    if (!row) throw new NotFound();
    return row;
  });
}

/**
 * Changes the workspace's settings (owners and admins). A new slug must be free, counting old slugs that still
 * redirect; the old one then redirects members for 30 days. Everything, audit included, commits together or not
 * at all, so an invalid or taken slug leaves nothing half-saved.
 */
export async function updateSettings(ctx: Ctx, input: SettingsInput): Promise<{ slug: string; changed: string[] }> {
  authorize(ctx, "settings.manage");
  return inTransaction(ctx, async (tx) => {
    const before = await tx.db.selectFrom("tenants").select(["id", ...FIELDS]).where("id", "=", tx.tenantId!).forUpdate().executeTakeFirst();
    if (!before) throw new NotFound();
    const changes = diff<Omit<WorkspaceSettings, "id">>(before, input, [...FIELDS]);
    if (Object.keys(changes).length === 0) return { slug: before.slug, changed: [] };

    if (changes.slug) {
      // Renaming back to an address this workspace had: its own redirect must go before the address is reused.
      await tx.db
        .deleteFrom("tenant_slug_redirects")
        .where((eb) => eb.or([eb("old_slug", "=", input.slug), eb("expires_at", "<=", tx.now)]))
        .execute();
      if (!(await slugAvailable(tx.db, input.slug, tx.now))) throw new Invalid({ slug: TAKEN });
    }
    try {
      // A savepoint keeps the transaction usable if a concurrent rename or sign-up took the slug first.
      await sql`savepoint update_settings`.execute(tx.db);
      await tx.db
        .updateTable("tenants")
        .set({ name: input.name, slug: input.slug, time_zone: input.time_zone, week_start: input.week_start, units: input.units, updated_at: tx.now })
        .where("id", "=", tx.tenantId!)
        .execute();
      await sql`release savepoint update_settings`.execute(tx.db);
    } catch (err) {
      if ((err as { code?: string }).code === "23505") throw new Invalid({ slug: TAKEN });
      throw err;
    }
    if (changes.slug) {
      // "do nothing": another workspace may still hold an expired redirect row for this slug, which row-level
      // security neither shows nor lets us delete. The rename then simply has no redirect.
      await tx.db
        .insertInto("tenant_slug_redirects")
        .values({ tenant_id: tx.tenantId!, old_slug: before.slug, expires_at: new Date(tx.now.getTime() + SLUG_REDIRECT_DAYS * 86_400_000) })
        .onConflict((oc) => oc.column("old_slug").doNothing())
        .execute();
    }
    await audit(tx, "workspace.updated", { type: "workspace", id: before.id }, changes);
    return { slug: input.slug, changed: Object.keys(changes) };
  });
}
