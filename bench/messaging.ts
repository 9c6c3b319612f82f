// Messaging at scale (issue 8, item 9), run by bench/run.ts after its other cells (BENCH_MESSAGING=0 skips it,
// `bun run bench --messaging` runs only this). Starts its own throwaway PostgreSQL and the real web process
// (`bun src/server.ts --web`), then measures:
// - inbound Twilio webhooks accepted per second: 16 concurrent senders post signed deliveries (each a new
//   MessageSid) over HTTP; each is looked up by token, signature-checked, stored in the inbox and given its job;
// - the same deliveries processed per second by the messaging-inbox job (graphile-worker, concurrency 2, in this
//   process): parse, find the contact by phone, log the message on its thread;
// - the p99 of a contact page whose timeline holds 1,000 messages (8 signed-in sessions).
// Returns a markdown report. Goals: ≥ 500 webhooks/s accepted, timeline p99 ≤ 50 ms.
import { rmSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import postgres from "postgres";
import { Logger, runOnce } from "graphile-worker";
import { createSession } from "../src/domain/auth/sessions.ts";
import { systemCtx } from "../src/domain/context.ts";
import { connect } from "../src/domain/db.ts";
import { DATABASE_NAME, freeLowPort, startEmbedded } from "../src/domain/embedded.ts";
import { migrate } from "../src/domain/migrate.ts";
import { twilioSignature } from "../src/domain/messaging/signatures.ts";
import { createTaskList } from "../src/jobs/index.ts";

export interface MessagingBenchOptions {
  dataDir: string;
  seconds: number;
  progress(msg: string): void;
}

const SENDERS = 16;
const SESSIONS = 8;
const CONTACTS = 500;
const TIMELINE_MESSAGES = 1000;
const TOKEN = "bench-twilio-auth-token";
const HOOK = "benchhooktoken0123456789";

async function seed(su: postgres.Sql): Promise<{ tenantId: string; userId: string; contactId: string }> {
  const tenantId = Bun.randomUUIDv7();
  const userId = Bun.randomUUIDv7();
  await su.begin(async (tx) => {
    await tx`insert into users (id, name, email, email_normalized, password_hash, created_at, updated_at) values (${userId}, 'Bench Owner', 'owner@msg.example', 'owner@msg.example', 'x', now(), now())`;
    await tx`insert into tenants (id, name, slug, created_at, updated_at) values (${tenantId}, 'Messaging', 'msg', now(), now())`;
    await tx`insert into memberships (tenant_id, user_id, role, created_at) values (${tenantId}, ${userId}, 'owner', now())`;
    await tx`insert into messaging_settings (tenant_id, hook_token, log_token, twilio_account_sid, twilio_auth_token, twilio_sms_from, updated_at)
      values (${tenantId}, ${HOOK}, 'benchlogtoken0123', 'AC0123456789abcdef0123456789abcdef', ${TOKEN}, '+15005550006', now())`;
    await tx`insert into contacts (tenant_id, id, first_name, last_name, phones, created_at, updated_at)
      select ${tenantId}::uuid, uuidv7(), 'Texter', g::text, array['(415) 55' || lpad(g::text, 5, '0')], now(), now() from generate_series(1, ${CONTACTS}::int) g`;
  });
  // One contact with a long conversation: TIMELINE_MESSAGES messages on one thread, a minute apart.
  const [c] = await su<{ id: string }[]>`select id from contacts where tenant_id = ${tenantId} order by id limit 1`;
  const threadId = Bun.randomUUIDv7();
  await su`insert into message_threads (tenant_id, id, channel, counterpart, contact_id, last_message_at, created_at) values (${tenantId}, ${threadId}, 'sms', '+14155500001', ${c!.id}, now(), now())`;
  await su`insert into messages (tenant_id, id, thread_id, contact_id, direction, channel, from_address, to_address, body, provider, provider_message_id, status, created_at, updated_at)
    select ${tenantId}::uuid, uuidv7(), ${threadId}::uuid, ${c!.id}::uuid, case when g % 2 = 0 then 'in' else 'out' end, 'sms', '+14155500001', '+15005550006',
      'Message number ' || g || ' about the delivery window and the site access.', 'twilio', 'SMSEED' || g, 'delivered', now() - (g || ' minutes')::interval, now()
    from generate_series(1, ${TIMELINE_MESSAGES}::int) g`;
  await su`insert into message_events (tenant_id, id, message_id, status, source, occurred_at) select tenant_id, uuidv7(), id, status, 'webhook', created_at from messages where tenant_id = ${tenantId}`;
  for (const t of ["contacts", "messages", "message_threads", "message_events"]) await su.unsafe(`vacuum analyze ${t}`);
  return { tenantId, userId, contactId: c!.id };
}

async function startWeb(ownerUrl: string, appUrl: string): Promise<{ proc: Bun.Subprocess; base: string }> {
  const port = 3700 + (process.pid % 100);
  const base = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn([process.execPath, "src/server.ts", "--web"], {
    cwd: join(import.meta.dir, ".."),
    stdout: "pipe",
    stderr: "inherit",
    // PUBLIC_URL is what Twilio signs: the URL it was given.
    env: { ...process.env, DATABASE_URL: ownerUrl, APP_DATABASE_URL: appUrl, PORT: String(port), HOST: "127.0.0.1", LOG_REQUESTS: "false", NODE_ENV: "development", PUBLIC_URL: base, INBOUND_SMTP_PORT: "" },
  });
  let out = "";
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  while (!out.includes("Steward is running at")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the web process exited before it was ready:\n${out}`);
    out += new TextDecoder().decode(value);
  }
  void (async () => { while (!(await reader.read()).done); })().catch(() => {});
  return { proc, base };
}

interface Load { requests: number; errors: number; p50: number; p99: number; seconds: number }

async function loop(concurrency: number, until: () => boolean, one: (i: number) => Promise<boolean>): Promise<Load> {
  const times: number[] = [];
  let errors = 0;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!until()) {
      const s = performance.now();
      if (!(await one(n++))) errors++;
      times.push(performance.now() - s);
    }
  }));
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return { requests: times.length, errors, p50: q(0.5), p99: q(0.99), seconds: (performance.now() - t0) / 1000 };
}

export async function messagingBench(opts: MessagingBenchOptions): Promise<string> {
  const dir = join(opts.dataDir, "messaging");
  rmSync(dir, { recursive: true, force: true });
  const pg = await startEmbedded({ dataDir: dir, port: freeLowPort(), ephemeral: true });
  const su = postgres(pg.superUrl.replace(/\/postgres$/, `/${DATABASE_NAME}`), { max: 1, onnotice: () => {} });
  const db = connect({ ownerUrl: pg.ownerUrl, appUrl: pg.appUrl }, { poolSize: 4 });
  let web: Awaited<ReturnType<typeof startWeb>> | null = null;
  try {
    await migrate(pg.ownerUrl);
    opts.progress(`messaging: seeding ${CONTACTS} contacts and a ${TIMELINE_MESSAGES}-message conversation…`);
    const s = await seed(su);
    const { token } = await createSession(systemCtx(db.app), s.userId, { lifetimeDays: 1 });
    web = await startWeb(pg.ownerUrl, pg.appUrl);
    const hookUrl = `${web.base}/hooks/twilio/${HOOK}`;
    let sid = 0;
    const deliver = async () => {
      const n = ++sid;
      const params: [string, string][] = [["MessageSid", `SM${n.toString(16).padStart(32, "0")}`], ["AccountSid", "AC0123456789abcdef0123456789abcdef"],
        ["From", `+141555${String(1 + (n % CONTACTS)).padStart(5, "0")}`], ["To", "+15005550006"], ["Body", `Running ten minutes late (${n})`], ["SmsStatus", "received"], ["NumMedia", "0"]];
      const res = await fetch(hookUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(TOKEN, hookUrl, params) }, body: new URLSearchParams(params).toString() });
      await res.arrayBuffer();
      return res.status === 200;
    };
    opts.progress("messaging: warming up, then inbound webhooks…");
    let stop = Date.now() + 1000;
    await loop(SENDERS, () => Date.now() > stop, deliver);
    stop = Date.now() + opts.seconds * 1000;
    const hooks = await loop(SENDERS, () => Date.now() > stop, deliver);
    const [stored] = await su<{ n: number }[]>`select count(*)::int as n from message_inbox where tenant_id = ${s.tenantId}`;

    opts.progress(`messaging: processing ${stored!.n} deliveries with the messaging-inbox job…`);
    const deps = { db, mailer: null, mailFrom: "bench@steward.localhost", now: () => new Date() };
    const p0 = performance.now();
    await runOnce({ connectionString: pg.ownerUrl, taskList: createTaskList(deps), concurrency: 2, logger: new Logger(() => () => {}) });
    const processSeconds = (performance.now() - p0) / 1000;
    const [done] = await su<{ processed: number; attached: number; messages: number }[]>`select
      (select count(*) from message_inbox where tenant_id = ${s.tenantId} and processed_at is not null)::int as processed,
      (select count(*) from message_inbox where tenant_id = ${s.tenantId} and contact_id is not null)::int as attached,
      (select count(*) from messages where tenant_id = ${s.tenantId} and provider_message_id not like 'SMSEED%')::int as messages`;

    opts.progress("messaging: the contact page with 1,000 messages…");
    const [quiet] = await su<{ id: string }[]>`select id from contacts where tenant_id = ${s.tenantId} and id <> ${s.contactId} order by id desc limit 1`;
    const get = (path: string) => async () => {
      const res = await fetch(`${web!.base}${path}`, { headers: { cookie: `session=${token}`, "accept-encoding": "br, gzip" } });
      await res.arrayBuffer();
      return res.status === 200;
    };
    const contactPage = `/t/msg/crm/contacts/${s.contactId}`;
    const weigh = await fetch(`${web.base}${contactPage}`, { headers: { cookie: `session=${token}`, "accept-encoding": "br" }, decompress: false });
    const bytes = (await weigh.arrayBuffer()).byteLength;
    const measure = async (path: string, sessions: number) => {
      let until = Date.now() + 1000;
      await loop(sessions, () => Date.now() > until, get(path));
      until = Date.now() + opts.seconds * 1000;
      return loop(sessions, () => Date.now() > until, get(path));
    };
    const pages = [
      { label: `contact page, ${TIMELINE_MESSAGES.toLocaleString("en-US")} messages (${(bytes / 1024).toFixed(1)} KB brotli), 1 session`, r: await measure(contactPage, 1), goal: true },
      { label: `its timeline fragment (\`…/timeline\`), 1 session`, r: await measure(`${contactPage}/timeline`, 1), goal: true },
      { label: `contact page, ${TIMELINE_MESSAGES.toLocaleString("en-US")} messages, ${SESSIONS} sessions`, r: await measure(contactPage, SESSIONS), goal: false },
      { label: `a contact page with 1 message (control), ${SESSIONS} sessions`, r: await measure(`/t/msg/crm/contacts/${quiet!.id}`, SESSIONS), goal: false },
    ];

    const cpus = os.cpus();
    const f = (n: number) => n.toFixed(1);
    const accepted = (hooks.requests - hooks.errors) / hooks.seconds;
    const processed = done!.processed / processSeconds;
    return [
      `### Messaging (issue 8)\n`,
      `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), Bun ${Bun.version}. The real web process (\`bun src/server.ts --web\`) on its own PostgreSQL;`,
      `load from this process on the same machine. ${CONTACTS} contacts with phone numbers; each delivery is a new signed Twilio inbound SMS from one of them.`,
      `Goals: ≥ 500 webhooks/s accepted; the p99 of a contact page whose timeline holds ${TIMELINE_MESSAGES.toLocaleString("en-US")} messages ≤ 50 ms.\n`,
      `| measure | count | per second | p50 ms | p99 ms | errors | goal met |`,
      `|---|---|---|---|---|---|---|`,
      `| webhooks accepted (token, signature, inbox row, job; ${SENDERS} senders, ${opts.seconds} s) | ${hooks.requests - hooks.errors} | ${Math.round(accepted)} | ${f(hooks.p50)} | ${f(hooks.p99)} | ${hooks.errors} | ${accepted >= 500 ? "yes" : "**no**"} |`,
      `| deliveries processed by the job (find contact by phone, log on thread; concurrency 2) | ${done!.processed} (${done!.attached} attached, ${done!.messages} messages) | ${Math.round(processed)} | | | ${stored!.n - done!.processed} | |`,
      ...pages.map(({ label, r, goal }) => `| ${label}, ${opts.seconds} s | ${r.requests} | ${Math.round(r.requests / r.seconds)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} | ${goal ? (r.p99 <= 50 ? "yes" : "**no**") : ""} |`),
    ].join("\n");
  } finally {
    if (web) {
      web.proc.kill("SIGTERM");
      await web.proc.exited;
    }
    await db.close();
    await su.end();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `bun bench/messaging.ts` runs it alone, outside bench/run.ts.
if (import.meta.main) {
  const dir = `/dev/shm/steward-bench-messaging-${process.pid}`;
  console.log(await messagingBench({ dataDir: dir, seconds: Number(process.env.BENCH_SECONDS ?? 5), progress: (m) => console.error(`bench: ${m}`) }));
  rmSync(dir, { recursive: true, force: true });
}
