// Webhook delivery throughput (issue 9, item 8), run by bench/run.ts after its other cells (BENCH_WEBHOOKS=0 skips
// it, `bun run bench --webhooks` runs only this). Starts its own throwaway PostgreSQL, subscribes one workspace to
// contact.created at a local receiver (Bun.serve in this process, answering 200), writes BENCH_WEBHOOK_EVENTS audit
// rows through audit() in batches of 500 (the trigger fans them out into deliveries and jobs), then runs the real
// graphile-worker with the real `webhook-deliver` task at several concurrencies and times until every delivery is
// logged as succeeded. Returns a markdown report.
import { rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { run } from "graphile-worker";
import { Logger } from "graphile-worker";
import { audit } from "../src/domain/audit/audit.ts";
import { inTransaction, systemCtx } from "../src/domain/context.ts";
import { connect } from "../src/domain/db.ts";
import { DATABASE_NAME, freeLowPort, startEmbedded } from "../src/domain/embedded.ts";
import { migrate } from "../src/domain/migrate.ts";
import { webhookDeliver } from "../src/jobs/webhooks/webhook-deliver.ts";

export interface WebhooksBenchOptions {
  dataDir: string;
  progress(msg: string): void;
}

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 5000);
const CONCURRENCIES = [2, 8, 16];
const GOAL = 500;

export async function webhooksBench(opts: WebhooksBenchOptions): Promise<string> {
  const dir = join(opts.dataDir, "webhooks");
  rmSync(dir, { recursive: true, force: true });
  const pg = await startEmbedded({ dataDir: dir, port: freeLowPort(), ephemeral: true });
  const su = postgres(pg.superUrl.replace(/\/postgres$/, `/${DATABASE_NAME}`), { max: 1, onnotice: () => {} });
  const db = connect({ ownerUrl: pg.ownerUrl, appUrl: pg.appUrl }, { poolSize: 20 });
  let received = 0;
  const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (req) => (await req.text(), received++, new Response("ok")) });
  const rows: string[] = [];
  try {
    await migrate(pg.ownerUrl);
    const tenantId = Bun.randomUUIDv7();
    await su`insert into tenants (id, name, slug, created_at, updated_at) values (${tenantId}, 'Hooks', 'hooks', now(), now())`;
    await su`insert into webhook_subscriptions (tenant_id, id, url, events, secret, created_at, updated_at)
      values (${tenantId}, ${Bun.randomUUIDv7()}, ${`http://127.0.0.1:${receiver.port}/in`}, ${["contact.created"]}, ${"whsec_" + "b".repeat(40)}, now(), now())`;
    const deps = { db, mailer: null, mailFrom: "bench@steward.localhost", now: () => new Date() };
    for (const concurrency of CONCURRENCIES) {
      opts.progress(`webhooks: ${EVENTS} events, worker concurrency ${concurrency}…`);
      const f0 = performance.now();
      for (let done = 0; done < EVENTS; done += 500) {
        await inTransaction(systemCtx(db.app, new Date(), tenantId), async (tx) => {
          for (let i = done; i < Math.min(EVENTS, done + 500); i++) await audit(tx, "contact.created", { type: "contact", id: Bun.randomUUIDv7() }, { title: "Buyer" });
        });
      }
      const fanout = (performance.now() - f0) / 1000;
      const before = received;
      const t0 = performance.now();
      const runner = await run({
        connectionString: pg.ownerUrl,
        concurrency,
        noHandleSignals: true,
        pollInterval: 1000,
        taskList: { "webhook-deliver": webhookDeliver(deps, { timeoutMs: 5000, allowPrivate: true }) },
        logger: new Logger(() => () => {}),
      });
      let pending = EVENTS;
      while (pending > 0) {
        await Bun.sleep(50);
        const [r] = await su<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where status <> 'succeeded'`;
        pending = r!.n;
      }
      const seconds = (performance.now() - t0) / 1000;
      await runner.stop();
      rows.push(`| ${concurrency} | ${EVENTS} | ${received - before} | ${seconds.toFixed(2)} | ${Math.round(EVENTS / seconds)} | ${Math.round(EVENTS / fanout)} |`);
    }
  } finally {
    receiver.stop(true);
    await db.close();
    await su.end();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    "### Webhook delivery throughput (`bun run bench --webhooks`)",
    "",
    `Goal: ≥ ${GOAL} deliveries/s to a local receiver. Each delivery: the job, a read of the delivery, a signed POST, the log update.`,
    "",
    "| worker concurrency | events | requests received | seconds | deliveries/s | events written/s (audit + trigger fan-out) |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
