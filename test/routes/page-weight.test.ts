// Page weight (issue 10, item 4): every main page, cold, is at most 30 KB over the wire: its HTML plus every
// stylesheet and script it loads, compressed as a browser asks for them (Accept-Encoding: br). The pages are found
// by following links from the workspace home through the demo data (CRM, capacity, crews, privacy, settings), one
// page per route shape, so a new screen is weighed as soon as something links to it. `bun run weight` prints the
// table the README shows.
import { beforeAll, describe, expect, test } from "bun:test";
import { brotliDecompressSync } from "node:zlib";
import type { App } from "../../src/app.tsx";
import { seedCapacity } from "../../src/domain/capacity/seed.ts";
import { seedDemo } from "../../src/domain/crm/seed.ts";
import { seedCrews } from "../../src/domain/crews/seed.ts";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";

const BUDGET = 30 * 1024;
const MAX_PAGES = 250;
const BROWSER = { "accept-encoding": "br, gzip" };

const t = useTestDatabase();
let app: App;
let slug: string;
let client: Client;

interface Weight {
  path: string;
  html: number;
  css: number;
  js: number;
  total: number;
}

/** One page per route shape: ids, days and weeks stand for any. */
const shape = (path: string) =>
  path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ":id")
    .replace(/\d{4}-W\d{2}/g, ":week")
    .replace(/\d{4}-\d{2}-\d{2}/g, ":day");

// Downloads and endpoints that are not pages a person reads.
const SKIP = /\.(csv|xlsx|json|svg|png|ico|js|css)(\?|$)|\/download|\/dev\/mail|^\/static\/|^\/assets\//;

const assetSizes = new Map<string, { kind: "css" | "js"; bytes: number }>();

async function bytes(res: Response) {
  return (await res.arrayBuffer()).byteLength;
}

async function weigh(c: Client, path: string, html: string, htmlBytes: number): Promise<Weight> {
  const w: Weight = { path, html: htmlBytes, css: 0, js: 0, total: 0 };
  const assets = [
    ...[...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => ({ kind: "css" as const, url: m[1]! })),
    ...[...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => ({ kind: "js" as const, url: m[1]! })),
  ];
  for (const a of assets) {
    if (!assetSizes.has(a.url)) {
      const res = await c.get(a.url, BROWSER);
      expect(`${a.url} ${res.status}`).toBe(`${a.url} 200`);
      assetSizes.set(a.url, { kind: a.kind, bytes: await bytes(res) });
    }
    w[a.kind] += assetSizes.get(a.url)!.bytes;
  }
  w.total = w.html + w.css + w.js;
  return w;
}

/** Breadth-first from the given pages, over same-site links, one page per shape. */
async function crawl(c: Client, start: string[]): Promise<Weight[]> {
  const seen = new Set(start.map(shape));
  const queue = [...start];
  const out: Weight[] = [];
  while (queue.length && out.length < MAX_PAGES) {
    const path = queue.shift()!;
    const res = await c.get(path, BROWSER);
    if (res.status !== 200 || !(res.headers.get("content-type") ?? "").startsWith("text/html")) continue;
    const wire = new Uint8Array(await res.arrayBuffer());
    // app.request hands back the encoded bytes; decode them to read the links.
    const html = new TextDecoder().decode(res.headers.get("content-encoding") === "br" ? brotliDecompressSync(wire) : wire);
    out.push(await weigh(c, path, html, wire.byteLength));
    for (const m of html.matchAll(/href="(\/[^"#]*)"/g)) {
      const href = m[1]!.replaceAll("&amp;", "&");
      const bare = href.split("?")[0]!;
      if (SKIP.test(href) || seen.has(shape(bare))) continue;
      seen.add(shape(bare));
      queue.push(bare);
    }
  }
  return out;
}

const kb = (n: number) => (n / 1024).toFixed(1);

beforeAll(async () => {
  app = testApp({ db: t.db });
  const r = await seedDemo(t.db, { size: "small", slug: "weigh", password: "weigh-the-pages-42", log: () => {} });
  await seedCapacity(t.db.app, r.tenantId, { days: 28 });
  await seedCrews(t.db.app, r.tenantId, { size: "small" });
  slug = r.slug;
  client = new Client(app);
  const res = await client.post("/signin", { email: r.email, password: "weigh-the-pages-42" });
  expect(res.status).toBe(303);
}, 120_000);

describe("page weight", () => {
  test("every main page, cold (HTML, CSS and JS, brotli), is at most 30 KB", async () => {
    const pages = [...(await crawl(new Client(app), ["/signin", "/signup", "/password-reset"])), ...(await crawl(client, ["/", `/t/${slug}`, "/profile"]))];
    // The crawl must reach every module, or the budget proves nothing about them.
    for (const part of ["/crm/contacts", "/crm/deals", "/capacity", "/crews/schedule", "/crews/pours", "/privacy/requests", "/settings", "/audit"]) {
      expect(pages.some((p) => p.path.includes(part)) ? part : `${part} not reached`).toBe(part);
    }
    expect(pages.length).toBeGreaterThan(40);
    const rows = pages.map((p) => `| \`${shape(p.path).replace(`/t/${slug}`, "/t/:slug")}\` | ${kb(p.html)} | ${kb(p.css)} | ${kb(p.js)} | ${kb(p.total)} |`);
    if (process.env.PRINT_WEIGHTS) {
      const heaviest = [...pages].sort((a, b) => b.total - a.total);
      console.log(`${pages.length} pages; heaviest first (KB, brotli):\n\n| page | HTML | CSS | JS | total |\n|---|---|---|---|---|\n${heaviest.map((p) => rows[pages.indexOf(p)]).join("\n")}`);
    }
    const over = pages.filter((p) => p.total > BUDGET).map((p) => `${p.path}: ${kb(p.total)} KB`);
    expect(over).toEqual([]);
  }, 120_000);
});
