import { describe, expect, test } from "bun:test";
import { databaseFault } from "../../src/routes/database-faults.ts";
import { testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";
import { createAccount } from "../support/factories.ts";

// Issue 10, item 6: an upload too large, or a database that cannot store what it is given, is refused with a clear
// message and nothing saved, never a 500. (The attachment cap is tested in test/routes/crm/attachments.test.ts.)

const t = useTestDatabase();

describe("too large to store", () => {
  test("a CSV import over the 50 MB cap is refused with 413 and a message, as a whole page with the form (the upload form is a plain form, not htmx), and nothing is saved", async () => {
    const acct = await createAccount(t, testApp({ db: t.db }));
    const big = new Uint8Array(50 * 1024 * 1024 + 1).fill(0x61);
    const form = new FormData();
    form.set("object", "contact");
    form.set("file", new File([big], "huge.csv", { type: "text/csv" }));
    const page = await acct.client.post(`/t/${acct.slug}/crm/imports`, form);
    expect(page.status).toBe(413);
    const html = await page.text();
    expect(html).toContain("<!DOCTYPE html>");
    expect(html).toMatch(/too large/i);
    expect(html).toContain('enctype="multipart/form-data"');
    expect((await t.su`select count(*)::int as n from crm_imports`)[0]!.n).toBe(0);
  }, 30_000);

  test("PostgreSQL's disk_full, program_limit_exceeded and admin_shutdown errors become 507, 413 and 503 with their messages; other errors stay 500s", async () => {
    const raised = async (code: string) => t.su.unsafe(`do $$ begin raise exception 'fault' using errcode = '${code}'; end $$`).catch((e: unknown) => e);
    expect(databaseFault(await raised("53100"))).toMatchObject({ status: 507, message: expect.stringContaining("run out of storage space") });
    expect(databaseFault(await raised("54000"))).toMatchObject({ status: 413, message: expect.stringContaining("too large") });
    expect(databaseFault(await raised("57P01"))).toMatchObject({ status: 503, retryAfter: 5, message: expect.stringContaining("temporarily unavailable") });
    expect(databaseFault(await raised("23505"))).toBeNull();
    expect(databaseFault(new Error("a bug"))).toBeNull();
  });
});
