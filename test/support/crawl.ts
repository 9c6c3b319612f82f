// The crawl that finds "every main page": breadth-first over same-site links from a few starting pages, one page
// per route shape, through a workspace seeded with the demo data (CRM, capacity, crews). The page-weight test weighs
// what it finds and the accessibility test runs axe on it, so a new screen is checked by both as soon as something
// links to it.
import { brotliDecompressSync } from "node:zlib";
import type { App } from "../../src/app.tsx";
import { seedCapacity } from "../../src/domain/capacity/seed.ts";
import { seedDemo } from "../../src/domain/crm/seed.ts";
import { seedCrews } from "../../src/domain/crews/seed.ts";
import type { Db } from "../../src/domain/db.ts";
import { Client } from "./app.ts";

export const MAX_PAGES = 250;
/** Asked as a browser asks, so responses come back compressed as they travel. */
export const BROWSER = { "accept-encoding": "br, gzip" };

/** One page per route shape: ids, days and weeks stand for any. */
export const shape = (path: string) =>
  path
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ":id")
    .replace(/\d{4}-W\d{2}/g, ":week")
    .replace(/\d{4}-\d{2}-\d{2}/g, ":day");

// Downloads and endpoints that are not pages a person reads.
export const SKIP = /\.(csv|xlsx|json|svg|png|ico|js|css)(\?|$)|\/download|\/dev\/mail|^\/static\/|^\/assets\//;

export interface CrawledPage {
  path: string;
  /** The decoded HTML. */
  html: string;
  /** Its size over the wire (compressed). */
  wireBytes: number;
}

/** Breadth-first from the given pages, over same-site links, one page per shape; only 200 text/html answers count. */
export async function crawl(c: Client, start: string[], max = MAX_PAGES): Promise<CrawledPage[]> {
  const seen = new Set(start.map(shape));
  const queue = [...start];
  const out: CrawledPage[] = [];
  while (queue.length && out.length < max) {
    const path = queue.shift()!;
    const res = await c.get(path, BROWSER);
    if (res.status !== 200 || !(res.headers.get("content-type") ?? "").startsWith("text/html")) continue;
    const wire = new Uint8Array(await res.arrayBuffer());
    // app.request hands back the encoded bytes; decode them to read the links.
    const html = new TextDecoder().decode(res.headers.get("content-encoding") === "br" ? brotliDecompressSync(wire) : wire);
    out.push({ path, html, wireBytes: wire.byteLength });
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

export const PUBLIC_START = ["/signin", "/signup", "/password-reset"];
export const workspaceStart = (slug: string) => ["/", `/t/${slug}`, "/profile"];
/** Parts of the app the crawl must reach, or a check over its pages proves nothing about them. */
export const MUST_REACH = ["/crm/contacts", "/crm/deals", "/capacity", "/crews/schedule", "/crews/pours", "/privacy/requests", "/settings", "/audit"];

export interface DemoWorkspace {
  slug: string;
  tenantId: string;
  email: string;
  password: string;
  /** A Client signed in as the demo user. */
  client: Client;
}

/** The demo workspace (small CRM, 28 days of capacity, small crews) and a client signed in to it. */
export async function seedDemoWorkspace(db: Db, app: App, slug: string): Promise<DemoWorkspace> {
  const password = `${slug}-the-pages-42`;
  const r = await seedDemo(db, { size: "small", slug, password, log: () => {} });
  await seedCapacity(db.app, r.tenantId, { days: 28 });
  await seedCrews(db.app, r.tenantId, { size: "small" });
  const client = new Client(app);
  const res = await client.post("/signin", { email: r.email, password });
  if (res.status !== 303) throw new Error(`demo sign-in answered ${res.status}`);
  return { slug: r.slug, tenantId: r.tenantId, email: r.email, password, client };
}
