// `bun run seed [--module crm|crews|all] [--size small|large] [--slug demo] [--password …]`: builds the demo
// workspace (see src/domain/crm/seed.ts; crm, the default, also seeds capacity; crews: src/domain/crews/seed.ts) on
// DATABASE_URL, or on the embedded database under DATA_DIR when none is set.
import { parseArgs } from "node:util";
import { loadConfig } from "./config.ts";
import { connect, type DbUrls } from "./domain/db.ts";
import { APP_ROLE, startEmbedded, type EmbeddedServer } from "./domain/embedded.ts";
import { migrate } from "./domain/migrate.ts";
import { DEMO_EMAIL, SEED_SIZES, seedDemo, type SeedSize } from "./domain/crm/seed.ts";
import { seedCapacity } from "./domain/capacity/seed.ts";
import { analyzeCrews, seedCrews } from "./domain/crews/seed.ts";

const usage = "usage: bun run seed [--module crm|crews|all] [--size small|large] [--slug demo] [--password <new password for the demo user>]";
const MODULES = ["crm", "crews", "all"];
let args;
try {
  args = parseArgs({ options: { module: { type: "string", default: "crm" }, size: { type: "string", default: "small" }, slug: { type: "string", default: "demo" }, password: { type: "string" }, help: { type: "boolean" } } }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
if (!MODULES.includes(args.module!)) {
  console.error(`--module must be crm, crews or all (got "${args.module}")\n${usage}`);
  process.exit(2);
}
if (!(args.size! in SEED_SIZES)) {
  console.error(`--size must be small or large (got "${args.size}")\n${usage}`);
  process.exit(2);
}

const config = loadConfig();
const say = (m: string) => console.log(`seed: ${m}`);
let embedded: EmbeddedServer | null = null;
let code = 0;
try {
  let urls: DbUrls;
  if (config.DATABASE_URL) {
    urls = config.APP_DATABASE_URL
      ? { ownerUrl: config.DATABASE_URL, appUrl: config.APP_DATABASE_URL }
      : { ownerUrl: config.DATABASE_URL, appUrl: config.DATABASE_URL, appRole: APP_ROLE };
  } else {
    embedded = await startEmbedded({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT, log: say });
    urls = { ownerUrl: embedded.ownerUrl, appUrl: embedded.appUrl };
  }
  await migrate(urls.ownerUrl);
  const db = connect(urls, { poolSize: 2 });
  try {
    const size = args.size as SeedSize;
    const crm = args.module !== "crews";
    // The workspace and its demo user come from the CRM seed. --module crews reuses the workspace when it exists
    // (its CRM data untouched) and otherwise creates it with a small CRM.
    const existing = crm ? undefined : await db.owner.selectFrom("tenants").select("id").where("slug", "=", args.slug!).executeTakeFirst();
    say(`building the ${size} demo workspace "${args.slug}"${crm ? "" : " (crews)"}…`);
    if (existing && args.password) say("the workspace exists: --password is ignored with --module crews (use --module crm to reset it)");
    const r = existing
      ? { tenantId: existing.id, slug: args.slug!, email: DEMO_EMAIL, password: null as string | null, counts: {}, seconds: 0 }
      : await seedDemo(db, { size: crm ? size : "small", slug: args.slug, password: args.password ?? null, log: crm ? say : () => {} });
    const made = Object.entries(r.counts).map(([k, n]) => `${n.toLocaleString("en-US")} ${k}`).join(", ");
    if (crm) {
      say(`done in ${r.seconds.toFixed(1)} s: ${made}`);
      const cap = await seedCapacity(db.app, r.tenantId);
      say(`capacity: one program with ${cap.intervals.toLocaleString("en-US")} intervals of history, ${cap.agents} agents`);
    }
    if (args.module !== "crm") {
      const c = await seedCrews(db.app, r.tenantId, { size, log: say });
      await analyzeCrews(db.owner);
      say(`crews done in ${c.seconds.toFixed(1)} s: ${c.regions} regions, ${c.employees} employees, ${c.projects} projects, ${c.assignments.toLocaleString("en-US")} assignments, ${c.requirements} requirements, ${c.pours} pours`);
    }
    console.log(`\nWorkspace: /t/${r.slug}`);
    console.log(`Sign in as ${r.email} with password ${r.password ?? "(unchanged: set when the account was created; pass --password to replace it)"}`);
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(`seed: ${(err as Error).message}`);
  code = 1;
} finally {
  await embedded?.stop();
}
process.exit(code);
