// Load generator for the mixed workload (bench/mixed.ts): run as `node bench/mixed-load.mjs < spec.json`, in its own
// process so it does not share the server's event loop. Prints one JSON line on stdout with the figures per action.
//
// Spec: { url, seconds, warmup, timeoutMs, thinkMs: [min, max], cookies: string[], headers, actions: Action[] }
//   Action: { name, kind, weight, method: "GET" | "POST", paths: string[], form?: Record<string, string[]>, expect }
//   A request picks one path, and for a POST one value per form field, at random; "{n}" in a value becomes a
//   number unique to the run (new contacts get their own email address).
//
// Each cookie is one session: one keep-alive connection (a browser tab), one request at a time. Its requests are
// scheduled open-loop: intended start k+1 = intended start k + a think time drawn from thinkMs, whatever the
// server did; a request whose predecessor is still running starts as soon as that one ends, and every latency is
// measured from the intended start. So a slow answer shows up in the latency of the requests queued behind it
// (no coordinated omission). Requests whose intended start falls in the first `warmup` seconds are sent but not
// counted.
import http from "node:http";

const spec = JSON.parse(await new Promise((resolve) => {
  let s = "";
  process.stdin.setEncoding("utf8").on("data", (d) => (s += d)).on("end", () => resolve(s));
}));
const origin = new URL(spec.url).origin;
const { hostname, port } = new URL(spec.url);
const total = spec.actions.reduce((s, a) => s + a.weight, 0);
const pickAction = () => {
  let r = Math.random() * total;
  for (const a of spec.actions) if ((r -= a.weight) < 0) return a;
  return spec.actions.at(-1);
};
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const think = () => spec.thinkMs[0] + Math.random() * (spec.thinkMs[1] - spec.thinkMs[0]);

// Per action: latencies (ms) of counted requests, and what went wrong.
const stats = new Map(spec.actions.map((a) => [a.name, { latencies: [], statuses: {}, timeouts: 0, socket: 0, samples: [] }]));
let unique = 0;
const run = Date.now().toString(36); // new emails stay unique across runs on the same data

/** One request on the session's agent; resolves with the status (or an error kind) once the body is read. */
function send(agent, cookie, action) {
  const path = pick(action.paths);
  let body;
  const headers = { cookie, ...spec.headers };
  if (action.method === "POST") {
    const n = `${run}-${++unique}`;
    body = new URLSearchParams(Object.entries(action.form ?? {}).map(([k, vs]) => [k, pick(vs).replaceAll("{n}", n)])).toString();
    Object.assign(headers, { origin, "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) });
  }
  return new Promise((resolve) => {
    const req = http.request({ hostname, port, path, method: action.method, agent, headers, timeout: spec.timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => res.statusCode >= 500 && chunks.length < 4 && chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, path, snippet: Buffer.concat(chunks).toString("utf8").slice(0, 300) }));
      res.on("error", () => resolve({ error: "socket", path }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ error: err.message === "timeout" ? "timeout" : "socket", path, snippet: err.message }));
    req.end(body);
  });
}

const t0 = performance.now();
const countFrom = t0 + spec.warmup * 1000;
const end = countFrom + spec.seconds * 1000;
let sent = 0;
// Latencies by when they were due, in 10-second windows: a tail spread over the run is steady queueing, one
// gathered in a few windows is a stall (a pause of the server, or of the machine it shares).
const WINDOW_S = 10;
const windows = Array.from({ length: Math.ceil(spec.seconds / WINDOW_S) }, () => []);

async function session(cookie) {
  // One socket per session; a destroyed one (timeout) is replaced by the agent on the next request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Sessions start spread over the first think time, not all at once.
  let intended = t0 + Math.random() * spec.thinkMs[1];
  while (intended < end) {
    const wait = intended - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const action = pickAction();
    const r = await send(agent, cookie, action);
    const latency = performance.now() - intended;
    sent++;
    if (intended >= countFrom) {
      const s = stats.get(action.name);
      s.latencies.push(latency);
      windows[Math.floor((intended - countFrom) / (WINDOW_S * 1000))]?.push(latency);
      if (r.error === "timeout") s.timeouts++;
      else if (r.error) s.socket++;
      else s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
      const bad = r.error || r.status !== action.expect;
      if (bad && s.samples.length < 5) s.samples.push(`${action.method} ${r.path}: ${r.error ?? r.status} ${r.snippet ?? ""}`.trim());
    }
    intended += think();
  }
  agent.destroy();
}

const ticker = setInterval(() => {
  const s = Math.round((performance.now() - countFrom) / 1000);
  process.stderr.write(`bench: load: ${s < 0 ? `warm-up, ${-s} s to go` : s <= spec.seconds ? `${s} s of ${spec.seconds}` : `${s - spec.seconds} s past the end, waiting for the last answers`}, ${sent} requests sent\n`);
}, 30_000);
await Promise.all(spec.cookies.map(session));
clearInterval(ticker);

function summary(list) {
  const latencies = list.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const at = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] : 0);
  return { requests: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0 };
}
const errorsOf = (a, s) => s.timeouts + s.socket + Object.entries(s.statuses).reduce((n, [code, k]) => n + (Number(code) === a.expect ? 0 : k), 0);
const actions = spec.actions.map((a) => {
  const s = stats.get(a.name);
  return { name: a.name, kind: a.kind, ...summary([s]), errors: errorsOf(a, s), timeouts: s.timeouts, socket: s.socket, statuses: s.statuses, samples: s.samples };
});
const kinds = [...new Set(spec.actions.map((a) => a.kind))].map((kind) => {
  const mine = spec.actions.filter((a) => a.kind === kind);
  return { kind, ...summary(mine.map((a) => stats.get(a.name))), errors: actions.filter((a) => a.kind === kind).reduce((n, a) => n + a.errors, 0) };
});
const overall = { ...summary([...stats.values()]), errors: actions.reduce((n, a) => n + a.errors, 0) };
const byWindow = windows.map((w) => Math.round(summary([{ latencies: w }]).p99));
console.log(JSON.stringify({ seconds: spec.seconds, overall, kinds, actions, windowSeconds: WINDOW_S, byWindow }));
