import { beforeAll, describe, expect, test } from "bun:test";
import { passwordProblem, verifyPassword } from "../../../src/domain/auth/passwords.ts";
import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import { DEMO_EMAIL, SEED_SIZES, seedDemo, type SeedResult } from "../../../src/domain/crm/seed.ts";
import { Client, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { createAccount, type Account } from "../../support/factories.ts";

// The demo seed: a rerun resets the demo workspace's CRM data and fills it again (it never adds a second copy), so
// `bun run seed` can be run any number of times, and the same size always gives the same records.

const t = useTestDatabase();
const clock = new Date("2025-06-02T10:00:00Z");
const app = () => testApp({ db: t.db, now: () => clock });
const TABLES = ["companies", "contacts", "deals", "deal_contacts", "leads", "activities", "notes", "tasks", "pipelines", "pipeline_stages"] as const;

let other: Account;
let first: SeedResult;

/** Rows per CRM table in one workspace, read as the superuser (no row-level security in the way). */
async function counts(tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const [r] = await t.su.unsafe(`select count(*)::int as n from ${table} where tenant_id = $1`, [tenantId]);
    out[table] = r!.n;
  }
  return out;
}

const contactEmails = async (tenantId: string) =>
  (await t.su<{ id: string; emails: string[] }[]>`select id, emails from contacts where tenant_id = ${tenantId} order by id`).map((r) => `${r.id} ${r.emails.join(",")}`);

beforeAll(async () => {
  // Another workspace with a contact of its own: the seed must neither touch nor count it.
  other = await createAccount(t, app(), { slug: "acme-other" });
  await inTransaction(systemCtx(t.db.app, clock, other.tenantId), (ctx) =>
    ctx.db.insertInto("contacts").values({ tenant_id: other.tenantId, id: Bun.randomUUIDv7(), first_name: "Olga", last_name: "Other", created_at: clock, updated_at: clock }).execute(),
  );
  first = await seedDemo(t.db, { size: "small", now: clock });
});

describe("bun run seed (small)", () => {
  test("makes the promised counts: 50 companies, 200 contacts, 100 deals, 20 leads, 500 activities, notes and tasks", async () => {
    const small = SEED_SIZES.small;
    expect(first.slug).toBe("demo");
    expect(first.counts).toEqual({ ...small });
    expect(await counts(first.tenantId)).toEqual({
      companies: small.companies, contacts: small.contacts, deals: small.deals, deal_contacts: small.deals, leads: small.leads,
      activities: small.activities, notes: small.notes, tasks: small.tasks, pipelines: 1, pipeline_stages: 3,
    });
  });

  test("every seeded row belongs to the demo workspace, and the other workspace is untouched", async () => {
    for (const table of TABLES) {
      const [r] = await t.su.unsafe(`select count(*)::int as n from ${table} where tenant_id not in ($1, $2)`, [first.tenantId, other.tenantId]);
      expect({ table, n: r!.n }).toEqual({ table, n: 0 });
    }
    expect(await counts(other.tenantId)).toEqual({ companies: 0, contacts: 1, deals: 0, deal_contacts: 0, leads: 0, activities: 0, notes: 0, tasks: 0, pipelines: 0, pipeline_stages: 0 });
    // Seen through the app role from the other workspace (row-level security): none of the demo rows.
    const seen = await inTransaction(systemCtx(t.db.app, clock, other.tenantId), (ctx) => ctx.db.selectFrom("contacts").select("first_name").execute());
    expect(seen).toEqual([{ first_name: "Olga" }]);
  });

  test("looks real: unique emails, phones, deals spread over the stages with amounts and currencies, activities over two years", async () => {
    const [emails] = await t.su`
      select count(*)::int as n, count(distinct lower(e))::int as distinct_n
      from (select unnest(emails) as e from contacts where tenant_id = ${first.tenantId} union all select email from leads where tenant_id = ${first.tenantId}) x`;
    expect(emails!.n).toBeGreaterThanOrEqual(SEED_SIZES.small.contacts + SEED_SIZES.small.leads);
    expect(emails!.distinct_n).toBe(emails!.n);
    const [c] = await t.su`select count(*) filter (where cardinality(phones) > 0)::int as phoned, count(distinct last_name)::int as surnames, count(company_id)::int as employed from contacts where tenant_id = ${first.tenantId}`;
    expect(c!.phoned).toBeGreaterThan(100);
    expect(c!.surnames).toBeGreaterThan(40);
    expect(c!.employed).toBeGreaterThan(120);
    const stages = await t.su`select stage_id, count(*)::int as n from deals where tenant_id = ${first.tenantId} and status = 'open' group by stage_id`;
    expect(stages.length).toBe(3);
    const [d] = await t.su`select count(distinct currency)::int as currencies, min(amount_minor)::bigint as lo, count(*) filter (where status <> 'open')::int as closed from deals where tenant_id = ${first.tenantId}`;
    expect(d!.currencies).toBeGreaterThanOrEqual(3);
    expect(Number(d!.lo)).toBeGreaterThan(0);
    expect(d!.closed).toBeGreaterThan(0);
    const [a] = await t.su`select min(occurred_at) as oldest, max(occurred_at) as newest, count(contact_id)::int as on_contacts, count(deal_id)::int as on_deals from activities where tenant_id = ${first.tenantId}`;
    expect(clock.getTime() - a!.oldest.getTime()).toBeGreaterThan(365 * 86_400_000);
    expect(a!.newest.getTime()).toBeLessThanOrEqual(clock.getTime());
    expect(a!.on_contacts).toBeGreaterThan(0);
    expect(a!.on_deals).toBeGreaterThan(0);
  });

  test("audits one demo.seeded event for the whole run, not one per row", async () => {
    const events = await t.su`select action, changes from audit_events where tenant_id = ${first.tenantId} and action not in ('workspace.created', 'member.added', 'pipeline.created')`;
    expect(events.map((e) => e.action)).toEqual(["demo.seeded"]);
    expect(events[0]!.changes).toMatchObject({ size: "small", contacts: 200 });
  });

  test("the demo user can sign in with the printed password, which is not a common one", async () => {
    expect(first.email).toBe(DEMO_EMAIL);
    expect(first.password).toBeString();
    expect(passwordProblem(first.password!, { email: DEMO_EMAIL })).toBeNull();
    const [user] = await t.su`select password_hash from users where email_normalized = ${DEMO_EMAIL}`;
    expect(await verifyPassword(user!.password_hash, first.password!)).toBe(true);
    const client = new Client(app());
    const res = await client.post("/signin", { email: DEMO_EMAIL, password: first.password! });
    expect(res.status).toBe(303);
    const list = await client.get("/t/demo/crm/contacts");
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("Next");
  });

  test("a second run resets and refills: the same records, no duplicates, one account and one workspace", async () => {
    const before = await contactEmails(first.tenantId);
    const again = await seedDemo(t.db, { size: "small", now: clock });
    expect(again.tenantId).toBe(first.tenantId);
    expect(again.userId).toBe(first.userId);
    // An existing account keeps its password (nothing to print) unless one is given.
    expect(again.password).toBeNull();
    const [user] = await t.su`select password_hash from users where email_normalized = ${DEMO_EMAIL}`;
    expect(await verifyPassword(user!.password_hash, first.password!)).toBe(true);
    expect((await counts(first.tenantId)).contacts).toBe(SEED_SIZES.small.contacts);
    expect(await contactEmails(first.tenantId)).toEqual(before);
    const [n] = await t.su`select (select count(*)::int from users where email_normalized = ${DEMO_EMAIL}) as users, (select count(*)::int from tenants where slug = 'demo') as tenants,
      (select count(*)::int from audit_events where tenant_id = ${first.tenantId} and action = 'demo.seeded') as seeded`;
    expect(n).toEqual({ users: 1, tenants: 1, seeded: 2 });
  });

  test("--password replaces the demo user's password on a rerun, audited", async () => {
    const r = await seedDemo(t.db, { size: "small", now: clock, password: "a fresh demo password 42" });
    expect(r.password).toBe("a fresh demo password 42");
    const [user] = await t.su`select id, password_hash from users where email_normalized = ${DEMO_EMAIL}`;
    expect(await verifyPassword(user!.password_hash, "a fresh demo password 42")).toBe(true);
    const [e] = await t.su`select count(*)::int as n from audit_events where action = 'password.changed' and target_id = ${user!.id}`;
    expect(e!.n).toBe(1);
    await expect(seedDemo(t.db, { size: "small", now: clock, password: "password123" })).rejects.toThrow(/refused/);
  });

  test("refuses a slug that belongs to someone else's workspace, and leaves it alone", async () => {
    await expect(seedDemo(t.db, { size: "small", now: clock, slug: other.slug })).rejects.toThrow(/not the demo workspace/);
    expect((await counts(other.tenantId)).contacts).toBe(1);
    await expect(seedDemo(t.db, { size: "small", now: clock, slug: "Not A Slug!" })).rejects.toThrow(/--slug/);
  });

  test("another slug makes a second demo workspace of its own, with its own ids", async () => {
    const second = await seedDemo(t.db, { size: "small", now: clock, slug: "demo-two" });
    expect(second.tenantId).not.toBe(first.tenantId);
    expect((await counts(second.tenantId)).contacts).toBe(SEED_SIZES.small.contacts);
    const [shared] = await t.su`select count(*)::int as n from contacts a join contacts b on a.id = b.id where a.tenant_id = ${first.tenantId} and b.tenant_id = ${second.tenantId}`;
    expect(shared!.n).toBe(0);
  });
});
