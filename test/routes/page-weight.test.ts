// Page weight (issue 10, item 4): every main page, cold, is at most 30 KB over the wire: its HTML plus every
// stylesheet and script it loads, compressed as a browser asks for them (Accept-Encoding: br). The pages are found
// by the shared crawl (test/support/crawl.ts) from the workspace home through the demo data (CRM, capacity, crews,
// privacy, settings), one page per route shape, so a new screen is weighed as soon as something links to it.
// `bun run weight` prints the table the README shows.
import { beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.tsx";
import { Client, testApp } from "../support/app.ts";
import { BROWSER, crawl, MUST_REACH, PUBLIC_START, seedDemoWorkspace, shape, workspaceStart } from "../support/crawl.ts";
import { useTestDatabase } from "../support/db.ts";

const BUDGET = 30 * 1024;

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

/** The crawled pages from the given starts, each weighed with its assets. */
async function crawlAndWeigh(c: Client, start: string[]): Promise<Weight[]> {
  const out: Weight[] = [];
  for (const p of await crawl(c, start)) out.push(await weigh(c, p.path, p.html, p.wireBytes));
  return out;
}

const kb = (n: number) => (n / 1024).toFixed(1);

beforeAll(async () => {
  app = testApp({ db: t.db });
  ({ slug, client } = await seedDemoWorkspace(t.db, app, "weigh"));
}, 120_000);

describe("page weight", () => {
  test("every main page, cold (HTML, CSS and JS, brotli), is at most 30 KB", async () => {
    const pages = [...(await crawlAndWeigh(new Client(app), PUBLIC_START)), ...(await crawlAndWeigh(client, workspaceStart(slug)))];
    // The crawl must reach every module, or the budget proves nothing about them.
    for (const part of MUST_REACH) {
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
