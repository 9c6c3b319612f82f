import { describe, expect, test } from "bun:test";
import { signIn } from "../../src/domain/auth/accounts.ts";
import { systemCtx } from "../../src/domain/context.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount, PASSWORD } from "../support/factories.ts";
import { jobDeps, runDueJobs } from "../support/jobs.ts";

const t = useTestDatabase();
const DAY = 86_400_000;

describe("purge-auth", () => {
  test("expired sessions, day-old sign-in failures and old rate-limit windows are deleted; current ones stay", async () => {
    const start = Date.now(); // the factory signs up at the real time
    const app = testApp({ db: t.db, now: () => new Date(start) });
    const acct = await createAccount(t, app);
    const ctx = { ...systemCtx(t.db.app, new Date(start)), ip: "192.0.2.1" };
    await signIn(ctx, acct.user.email, "wrong password here", { lifetimeDays: 30 }, { baseUrl: "http://x" });
    await t.su`insert into rate_limit_counters values ('signin:old', ${new Date(start - DAY)}, 3), ('signin:new', ${new Date(start + 40 * DAY)}, 1)`;
    const fresh = await signIn({ ...ctx, now: new Date(start + 40 * DAY) }, acct.user.email, PASSWORD, { lifetimeDays: 30 }, { baseUrl: "http://x" });
    expect(fresh.ok).toBe(true);

    await t.su`select graphile_worker.add_job('purge-auth', '{}'::json)`;
    await runDueJobs(t, jobDeps(t, { now: () => new Date(start + 40 * DAY) }));

    const sessions = await t.su`select id from sessions where user_id = ${acct.user.id}`;
    expect(sessions).toHaveLength(1); // the sign-up session (30 days) expired; the new one stays
    expect(sessions[0]!.id).toBe(fresh.ok ? fresh.token.split(".")[0] : "");
    const [failures] = await t.su`select count(*)::int as n from sign_in_failures where user_id = ${acct.user.id}`;
    expect(failures!.n).toBe(0);
    const buckets = await t.su`select bucket from rate_limit_counters where bucket like 'signin:%' and bucket in ('signin:old', 'signin:new')`;
    expect(buckets.map((b) => b.bucket)).toEqual(["signin:new"]);
  });
});
