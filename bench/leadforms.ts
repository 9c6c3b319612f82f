// Public lead form submissions (issue 8, item 9), run by bench/run.ts after the crews part (BENCH_LEADFORMS=0 skips
// it, `bun run bench --leadforms` runs only this). Starts the real server on the bench's data dir, creates a
// workspace with one form straight in the database, and posts valid submissions for BENCH_SECONDS from concurrent
// clients, each request from its own X-Forwarded-For address (the server runs with TRUST_PROXY=true), so the
// per-IP limit never applies and every post is a real one: rate-limit hit, form lookup, spam checks, lead, submission
// record, two audit rows and a commit. Returns a markdown report; checks that every 303 left exactly one lead.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import type { BenchHarness } from "./harness.ts";

const SLUG = "leadforms-bench";
const FORM = "contact";
const CONCURRENCY = [1, 16];

function ownerSql(h: BenchHarness) {
  const secrets = JSON.parse(readFileSync(join(h.dataDir, "secrets.json"), "utf8")) as { ownerPassword: string };
  return postgres(`postgres://steward_owner:${encodeURIComponent(secrets.ownerPassword)}@127.0.0.1:${h.pgPort}/steward`, { max: 1, onnotice: () => {} });
}

/** A workspace and a form asking for name, email and company; no minimum time, so a client can post at once. */
async function seedForm(sql: postgres.Sql): Promise<string> {
  const tenantId = Bun.randomUUIDv7();
  await sql.begin(async (tx) => {
    await tx`select set_config('app.tenant_id', ${tenantId}, true)`;
    await tx`insert into tenants (id, name, slug, created_at, updated_at) values (${tenantId}, 'Lead forms bench', ${SLUG}, now(), now()) on conflict (slug) do nothing`;
    const [t] = await tx<{ id: string }[]>`select id from tenants where slug = ${SLUG}`;
    await tx`select set_config('app.tenant_id', ${t!.id}, true)`;
    await tx`insert into lead_forms (tenant_id, id, slug, name, fields, source, min_seconds, signing_key, created_at, updated_at)
      values (${t!.id}, ${Bun.randomUUIDv7()}, ${FORM}, 'Contact us', ${["name", "email", "company_name"]}, 'Website', 0, ${crypto.getRandomValues(new Uint8Array(32))}, now(), now())
      on conflict (tenant_id, slug) do nothing`;
  });
  const [t] = await sql<{ id: string }[]>`select id from tenants where slug = ${SLUG}`;
  return t!.id;
}

let ip = 0;
/** A fresh address per request: 10.x.y.z, never repeated within a run. */
const nextIp = () => {
  ip++;
  return `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
};

async function run(base: string, connections: number, seconds: number): Promise<{ ok: number; other: number; p50: number; p99: number; elapsed: number }> {
  const path = `${base}/f/${SLUG}/${FORM}`;
  const page = await (await fetch(`${path}?utm_source=bench&utm_medium=load&utm_campaign=c${connections}`)).text();
  const hidden = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replaceAll("&amp;", "&")]));
  const latencies: number[] = [];
  let ok = 0;
  let other = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      let n = 0;
      while (performance.now() < end) {
        n++;
        const body = new URLSearchParams({ ...hidden, name: `Bench lead ${c}-${n}`, email: `lead-${c}-${n}@bench.example`, company_name: "Bench Ltd" });
        const s = performance.now();
        const res = await fetch(path, { method: "POST", body, redirect: "manual", headers: { "x-forwarded-for": nextIp() } });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.status === 303) ok++;
        else other++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { ok, other, p50: q(0.5), p99: q(0.99), elapsed };
}

/** Form submissions per second at 1 and 16 concurrent clients, as a markdown report. */
export async function leadFormsBench(h: BenchHarness): Promise<string> {
  h.progress("lead forms: starting the server…");
  const server = await h.start();
  const sql = ownerSql(h);
  try {
    const tenantId = await seedForm(sql);
    const lines = [`### Lead form submissions\n`, `| clients | submissions/s | p50 ms | p99 ms | refused | leads created = 303s |`, `|---|---|---|---|---|---|`];
    for (const connections of CONCURRENCY) {
      h.progress(`lead forms: ${connections} client(s), ${h.seconds} s…`);
      const count = () => sql.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', ${tenantId}, true)`;
        return Number((await tx`select count(*)::int as n from lead_form_submissions s join leads l on l.tenant_id = s.tenant_id and l.id = s.lead_id`)[0]!.n);
      });
      const before = await count();
      const r = await run(h.base, connections, h.seconds);
      const after = await count();
      lines.push(`| ${connections} | ${Math.round(r.ok / r.elapsed)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.other} | ${after - before === r.ok ? "yes" : `no (${after - before} for ${r.ok})`} |`);
    }
    lines.push(
      `\nEach POST /f/<slug>/<form> is a valid submission from its own X-Forwarded-For address: the Postgres rate-limit counter, the form and workspace lookup, the signed-timestamp and honeypot checks, the lead (with the CRM's validation), the submission record and two audit rows in one transaction, then the 303. Load from Bun's fetch in the bench process, on the same machine.`,
    );
    return lines.join("\n");
  } finally {
    await sql.end();
    await h.stop(server);
  }
}
