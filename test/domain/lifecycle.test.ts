import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { signWebhook, verifyWebhook } from "../../src/domain/billing/billing-signature.ts";
import { sweepWorkspaceLifecycle } from "../../src/domain/tenancy/lifecycle-sweep.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";
import { queuedJobs } from "../support/jobs.ts";

const t = useTestDatabase();
const DAY = 86_400_000;

describe("webhook signature (P20)", () => {
  const secret = "whsec_unit_0123456789";
  const body = new TextEncoder().encode('{"id":"evt_1"}');
  const ts = 1_800_000_000;
  const at = (seconds: number) => new Date((ts + seconds) * 1000);
  const header = (sig: string) => `t=${ts},v1=${sig}`;

  test("P20 the signature is HMAC-SHA256 of '<t>.<raw body>' as hex, as node:crypto computes it", () => {
    expect(signWebhook(secret, ts, body)).toBe(createHmac("sha256", secret).update(`${ts}.{"id":"evt_1"}`).digest("hex"));
  });

  test("P20 the replay window is 5 minutes either way, inclusive, against the given clock", () => {
    const h = header(signWebhook(secret, ts, body));
    expect(verifyWebhook(secret, h, body, at(300))).toEqual({ ok: true, timestamp: ts });
    expect(verifyWebhook(secret, h, body, at(-300))).toEqual({ ok: true, timestamp: ts });
    expect(verifyWebhook(secret, h, body, at(301))).toEqual({ ok: false, reason: "stale" });
    expect(verifyWebhook(secret, h, body, at(-301))).toEqual({ ok: false, reason: "stale" });
  });

  test("P20 a missing or malformed header, another secret or another body is refused, with the reason", () => {
    const sig = signWebhook(secret, ts, body);
    expect(verifyWebhook(secret, undefined, body, at(0))).toEqual({ ok: false, reason: "missing" });
    expect(verifyWebhook(secret, "v1=" + sig, body, at(0))).toEqual({ ok: false, reason: "malformed" });
    expect(verifyWebhook(secret, `t=${ts}`, body, at(0))).toEqual({ ok: false, reason: "malformed" });
    expect(verifyWebhook(secret, `t=${ts},v1=${sig}`.repeat(100), body, at(0))).toEqual({ ok: false, reason: "malformed" });
    expect(verifyWebhook("whsec_other_0123456789", header(sig), body, at(0))).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyWebhook(secret, header(sig), new TextEncoder().encode('{"id":"evt_2"}'), at(0))).toEqual({ ok: false, reason: "mismatch" });
    // Upper-case hex is the same bytes.
    expect(verifyWebhook(secret, header(sig.toUpperCase()), body, at(0)).ok).toBe(true);
  });
});

describe("the daily workspace-lifecycle sweep (P16, P17)", () => {
  test("P16 P17 only cancelled or suspended workspaces past their date become purging, each with one keyed purge job and the right reason", async () => {
    const app = testApp({ db: t.db });
    const now = new Date();
    const past = new Date(now.getTime() - DAY);
    const future = new Date(now.getTime() + DAY);
    const make = async (status: string, purgeAfter: Date | null) => {
      const a = await createAccount(t, app);
      await t.su`update tenants set status = ${status}, cancelled_at = ${status === "cancelled" ? now : null}, suspended_at = ${status === "suspended" ? now : null},
        purge_after = ${purgeAfter} where id = ${a.tenantId}`;
      return a.tenantId;
    };
    const active = await make("active", null);
    const cancelledDue = await make("cancelled", past);
    const cancelledLater = await make("cancelled", future);
    const suspendedDue = await make("suspended", past);
    const purging = await make("purging", past);

    const { queued } = await sweepWorkspaceLifecycle(t.db, now);
    expect(queued.sort()).toEqual([cancelledDue, suspendedDue].sort());
    const statuses = await t.su<{ id: string; status: string }[]>`select id, status from tenants where id in ${t.su([active, cancelledDue, cancelledLater, suspendedDue, purging])}`;
    expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({
      [active]: "active",
      [cancelledDue]: "purging",
      [cancelledLater]: "cancelled",
      [suspendedDue]: "purging",
      [purging]: "purging",
    });
    const jobs = (await queuedJobs(t)).filter((j) => j.task === "workspace-purge");
    expect(jobs.map((j) => [j.key, (j.payload as { reason: string }).reason]).sort()).toEqual(
      [
        [`workspace-purge:${cancelledDue}`, "cancelled"],
        [`workspace-purge:${suspendedDue}`, "lapsed"],
      ].sort(),
    );
    const audits = await t.su<{ tenant_id: string; actor_type: string }[]>`select tenant_id, actor_type from audit_events where action = 'workspace.purge_queued'`;
    expect(audits.map((a) => a.tenant_id).sort()).toEqual([cancelledDue, suspendedDue].sort());
    expect(audits.every((a) => a.actor_type === "system")).toBe(true);

    // Run again: nothing new.
    expect((await sweepWorkspaceLifecycle(t.db, now)).queued).toEqual([]);
    expect((await queuedJobs(t)).filter((j) => j.task === "workspace-purge").length).toBe(2);
  });

  test("the schema refuses an unknown status and a read-only workspace without its deadline", async () => {
    const a = await createAccount(t, testApp({ db: t.db }));
    const unknown = await t.su`update tenants set status = 'frozen' where id = ${a.tenantId}`.catch((e) => e);
    expect(unknown.code).toBe("23514");
    const noDate = await t.su`update tenants set status = 'cancelled', cancelled_at = now() where id = ${a.tenantId}`.catch((e) => e);
    expect(noDate.code).toBe("23514");
    const [row] = await t.su<{ status: string }[]>`select status from tenants where id = ${a.tenantId}`;
    expect(row!.status).toBe("active");
  });
});
