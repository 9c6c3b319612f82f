import { describe, expect, test } from "bun:test";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";
import { api, createKey, json } from "../routes/api/support.ts";

const t = useTestDatabase();
const DAY = 86_400_000;

describe("purge-auth: API state", () => {
  test("idempotency records older than a day and dead refresh tokens are deleted; a live family's tokens stay", async () => {
    const start = Date.now();
    let now = new Date(start);
    const app = testApp({ db: t.db, now: () => now, env: { API_JWT_SECRET: "p".repeat(40) } });
    const owner = await createAccount(t, app);
    const key = await createKey(owner);
    await api(app, key, "POST", "/companies", { name: "Idem Ltd" }, { "idempotency-key": "k-1" });
    const login = () => api(app, null, "POST", "/auth/token", { grant_type: "password", email: owner.user.email, password: PASSWORD, workspace: owner.slug });
    const live = await json(await login());
    const dead = await json(await login());
    // Reuse kills the second family.
    await api(app, null, "POST", "/auth/token", { grant_type: "refresh_token", refresh_token: dead.refresh_token });
    await api(app, null, "POST", "/auth/token", { grant_type: "refresh_token", refresh_token: dead.refresh_token });
    now = new Date(start + 2 * DAY);
    await api(app, key, "POST", "/companies", { name: "Fresh Ltd" }, { "idempotency-key": "k-2" });

    await t.su`select graphile_worker.add_job('purge-auth', '{}'::json)`;
    await runDueJobs(t, jobDeps(t, { now: () => now }));

    const idem = await t.su`select idempotency_key from api_idempotency where tenant_id = ${owner.tenantId}`;
    expect(idem.map((r) => r.idempotency_key)).toEqual(["k-2"]);
    const left = await t.su`select family_id, revoked_at from api_refresh_tokens where user_id = ${owner.user.id}`;
    expect(left.length).toBe(1);
    expect(left[0]!.revoked_at).toBeNull();
    expect((await api(app, null, "POST", "/auth/token", { grant_type: "refresh_token", refresh_token: live.refresh_token })).status).toBe(200);
  });
});
