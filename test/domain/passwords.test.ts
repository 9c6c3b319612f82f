import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { dictionary } from "@zxcvbn-ts/language-common";
import { inTransaction, systemCtx } from "../../src/domain/context.ts";
import { hashPassword, passwordProblem, rememberPassword, reusesRecentPassword, verifyPassword } from "../../src/domain/auth/passwords.ts";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";

const t = useTestDatabase();
const common = (dictionary["passwords-common"] as string[]).filter((p) => p.length >= 10);

describe("password rules", () => {
  test("P02 any 10 to 256 characters of any script are accepted unless on the common list; no composition rules", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 10, maxLength: 256 }), (pw) => {
        const length = [...pw].length;
        fc.pre(length >= 10 && length <= 256 && !common.includes(pw.toLowerCase()));
        expect(passwordProblem(pw)).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(passwordProblem("алгоритмы и данные")).toBeNull();
    expect(passwordProblem("すべての人間は生まれながらにして")).toBeNull();
    expect(passwordProblem("aaaaaaaaaaaaaaaa")).toBeNull(); // no composition rule; not on the list
  });

  test("P02 fewer than 10 or more than 256 characters are refused with a message", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 9 }), (pw) => {
        fc.pre([...pw].length < 10);
        expect(passwordProblem(pw)).toBe("Use at least 10 characters.");
      }),
    );
    expect(passwordProblem("x".repeat(257))).toBe("Use at most 256 characters.");
  });

  test("P02 passwords on the common list are refused, whatever their case", () => {
    for (const pw of common.slice(0, 50)) expect(passwordProblem(pw)).toContain("commonly used");
    expect(passwordProblem("1234567890")).toContain("commonly used");
    expect(passwordProblem("Qwertyuiop")).toContain("commonly used");
  });

  test("P02 stored hashes are argon2id with m ≥ 19456 and t ≥ 2, and no truncation: passwords differing at character 80 differ", async () => {
    const base = "a".repeat(79);
    const hash = await hashPassword(`${base}X tail`);
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(await verifyPassword(hash, `${base}X tail`)).toBe(true);
    expect(await verifyPassword(hash, `${base}Y tail`)).toBe(false);
    const long = "ü".repeat(256);
    expect(await verifyPassword(await hashPassword(long), long.slice(0, 255) + "u")).toBe(false);
  });

  test("P02 the database never holds a password in plain text", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app, { password: "plain text must not appear" });
    const rows = await t.su`select row_to_json(u)::text as r from users u where id = ${acct.user.id}
      union all select row_to_json(h)::text from password_history h where user_id = ${acct.user.id}`;
    expect(rows.length).toBe(2);
    for (const r of rows) expect(r.r).not.toContain("plain text must not appear");
  });

  test("P03 the last five passwords are refused, the sixth-oldest is allowed again, and only hashes are kept", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app, { password: "password number zero" });
    const ctx = systemCtx(t.db.app);
    for (let i = 1; i <= 5; i++) {
      await inTransaction({ ...ctx, now: new Date(Date.now() + i * 1000) }, async (tx) => rememberPassword(tx, acct.user.id, await hashPassword(`password number ${i}`)));
    }
    for (let i = 1; i <= 5; i++) expect(await reusesRecentPassword(ctx, acct.user.id, `password number ${i}`)).toBe(true);
    expect(await reusesRecentPassword(ctx, acct.user.id, "password number zero")).toBe(false);
    const history = await t.su`select password_hash from password_history where user_id = ${acct.user.id}`;
    expect(history).toHaveLength(5);
    for (const h of history) expect(h.password_hash).toStartWith("$argon2id$");
  });

  test("P03 the password history is deleted with the account", async () => {
    const app = testApp({ db: t.db });
    const acct = await createAccount(t, app);
    await t.su`delete from memberships where user_id = ${acct.user.id}`;
    await t.su`delete from users where id = ${acct.user.id}`;
    const [n] = await t.su`select count(*)::int as n from password_history where user_id = ${acct.user.id}`;
    expect(n!.n).toBe(0);
  });

  test("P02 a common password is refused at sign-up with a message next to the field", async () => {
    const res = await new Client(testApp({ db: t.db })).post("/signup", {
      name: "Bob",
      email: "bob-common@example.com",
      password: "1234567890",
      workspace_name: "Bob's",
      slug: "bobs-common",
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("commonly used passwords");
  });
});
