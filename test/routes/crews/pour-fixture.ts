import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { zonedInstant } from "../../../src/domain/crews/pour-times.ts";
import { addDays, localDate } from "../../../src/domain/crews/week.ts";
import type { App } from "../../../src/app.tsx";
import type { TestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";

// A workspace with what pours need: two projects (one with contacts and a site), employees with and without
// email, in a chosen time zone and units. Rows go in as the app role pinned to the workspace.

// The clock stays near the real one: sessions made by createAccount expire 30 days after the real now.
export const TODAY = localDate(new Date(), "America/Denver");
/** 09:00 today in Denver, the workspaces' time zone. */
export const NOW = zonedInstant(TODAY, 9 * 60, "America/Denver");
export const TOMORROW = addDays(TODAY, 1);
export const day = (n: number) => addDays(TODAY, n);

export interface PourWorld {
  account: Account;
  base: string;
  projectId: string;
  otherProjectId: string;
  /** Finisher with an email. */
  ana: string;
  /** Laborer with an email. */
  ben: string;
  /** No email. */
  cal: string;
  contactId: string;
}

export async function pourWorld(t: TestDatabase, app: App, opts: { units?: "metric" | "imperial"; timeZone?: string; provider?: "none" | "nws" | "open-meteo"; manager?: boolean } = {}): Promise<PourWorld> {
  const account = await createAccount(t, app);
  const ids = { projectId: Bun.randomUUIDv7(), otherProjectId: Bun.randomUUIDv7(), ana: Bun.randomUUIDv7(), ben: Bun.randomUUIDv7(), cal: Bun.randomUUIDv7(), contactId: Bun.randomUUIDv7() };
  const tag = account.slug;
  await inTransaction(systemCtx(t.db.app, NOW, account.tenantId), async (tx) => {
    const tenant_id = account.tenantId;
    const stamps = { created_at: NOW, updated_at: NOW };
    await tx.db.updateTable("tenants").set({ units: opts.units ?? "imperial", time_zone: opts.timeZone ?? "America/Denver" }).where("id", "=", tenant_id).execute();
    await tx.db
      .insertInto("crew_projects")
      .values([
        { tenant_id, id: ids.projectId, name: "Harbor Tower", number: "P-100", address: "1 Harbor Way, Denver", latitude: 39.7392, longitude: -104.9903, manager_id: opts.manager === false ? null : account.user.id, ...stamps },
        { tenant_id, id: ids.otherProjectId, name: "Mill Street Garage", number: "P-200", ...stamps },
      ])
      .execute();
    await tx.db.insertInto("crew_project_contacts").values({ tenant_id, id: ids.contactId, project_id: ids.projectId, name: "Gina GC", email: `gina-${tag}@example.com`, created_at: NOW }).execute();
    await tx.db
      .insertInto("crew_employees")
      .values([
        { tenant_id, id: ids.ana, name: "Ana Finisher", trade: "Finisher", email: `ana-${tag}@example.com`, ...stamps },
        { tenant_id, id: ids.ben, name: "Ben Laborer", trade: "Laborer", email: `ben-${tag}@example.com`, ...stamps },
        { tenant_id, id: ids.cal, name: "Cal Nomail", trade: "Laborer", ...stamps },
      ])
      .execute();
    if (opts.provider) await tx.db.insertInto("crew_settings").values({ tenant_id, weather_provider: opts.provider, updated_at: NOW }).execute();
  });
  return { account, base: `/t/${account.slug}/crews/pours`, ...ids };
}

export const pourBody = (w: PourWorld, over: Record<string, string> = {}, crews: { placing?: string[]; finishing?: string[] } = {}) => {
  const body = new URLSearchParams({ project_id: w.projectId, day: TOMORROW, start_time: "07:00", location: "Level 3 deck", volume: "120", mix_design: "4000 psi", slump: "4 in", ...over });
  for (const id of crews.placing ?? [w.ben, w.cal]) body.append("placing", id);
  for (const id of crews.finishing ?? [w.ana]) body.append("finishing", id);
  return body;
};

/** Creates a pour through the form; returns its id. */
export async function postPour(w: PourWorld, over: Record<string, string> = {}, crews: { placing?: string[]; finishing?: string[] } = {}): Promise<string> {
  const res = await w.account.client.post(w.base, pourBody(w, over, crews));
  if (res.status !== 303) throw new Error(`create pour: ${res.status} ${await res.text()}`);
  return res.headers.get("location")!.split("/").pop()!.split("?")[0]!;
}
