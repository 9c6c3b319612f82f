// Load generator for the scenarios autocannon's CLI can't express: run by bench/run.ts as
// `node bench/load.mjs '<json spec>'`, in its own process so it does not share the server's event loop.
// Prints one JSON line on stdout: req/s, p50/p99 and how many answers were not the expected status.
//
// Spec: { url, connections, seconds, expect, scenario, ... }
//   scenario "signin": POST /signin with the right password. Every request carries a fresh X-Forwarded-For
//     (the server runs with TRUST_PROXY=true) so the per-IP limit of 20 per 5 minutes never caps the run;
//     `ipBase` keeps the addresses of successive runs apart. Requests cycle through `users` ({ email, password }).
//   scenario "pages": GET with a session cookie. `sessions` ({ cookie, path, headers? }) has one entry per
//     connection; `headers` adds request headers (the CRM cells send Accept-Encoding as a browser does).
import autocannon from "autocannon";

const spec = JSON.parse(process.argv[2] ?? "null");
if (!spec || !spec.url || !spec.connections || !spec.seconds || !spec.expect) throw new Error("usage: node bench/load.mjs '<json spec>'");

// Sent as a browser on our own page would; the server's Origin check compares it with the Host header.
const origin = new URL(spec.url).origin;
const opts = { url: spec.url, connections: spec.connections, duration: spec.seconds };

if (spec.scenario === "signin") {
  let n = spec.ipBase ?? 0;
  const bodies = spec.users.map((u) => new URLSearchParams({ email: u.email, password: u.password }).toString());
  opts.requests = [
    {
      method: "POST",
      path: "/signin",
      // setupRequest runs before every request (a request object with it is rebuilt each time), unlike
      // setupClient, which runs once per connection.
      setupRequest(req) {
        const i = n++;
        req.headers = {
          ...req.headers,
          "content-type": "application/x-www-form-urlencoded",
          origin,
          "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        };
        req.body = bodies[i % bodies.length];
        return req;
      },
    },
  ];
} else if (spec.scenario === "pages") {
  if (spec.sessions.length !== spec.connections) throw new Error("pages: one session per connection");
  // One autocannon instance, connection i = user i: setupClient runs once per connection as it is created, and
  // setRequests gives that connection its own request list (cookie and workspace path), so every request on it
  // is user i's. Simpler than 16 instances whose latency histograms would then have to be merged.
  let next = 0;
  opts.setupClient = (client) => {
    const s = spec.sessions[next++ % spec.sessions.length];
    client.setRequests([{ method: "GET", path: s.path, headers: { cookie: s.cookie, ...s.headers } }]);
  };
} else {
  throw new Error(`unknown scenario "${spec.scenario}"`);
}

const result = await autocannon(opts);
const expected = Number(result.statusCodeStats?.[String(spec.expect)]?.count ?? 0);
const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + Number(s.count), 0);
console.log(JSON.stringify({
  requests: { average: result.requests.average },
  latency: { p50: result.latency.p50, p99: result.latency.p99 },
  errors: result.errors,
  timeouts: result.timeouts,
  unexpected: answered - expected,
  statusCodeStats: result.statusCodeStats,
}));
