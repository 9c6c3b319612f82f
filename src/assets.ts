import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// Static assets are read, fingerprinted and compressed once at start: every response is then a memory copy,
// cached `immutable` by browsers because its URL changes whenever its bytes do.

export interface Asset {
  url: string;
  type: string;
  body: Uint8Array;
  gzip: Uint8Array;
  brotli: Uint8Array;
  etag: string;
}

const root = resolve(import.meta.dir, "..");
const htmxVersion: string = JSON.parse(readFileSync(join(root, "node_modules/htmx.org/package.json"), "utf8")).version;

const sources: { name: string; file: string; type: string; url?: string }[] = [
  { name: "app.css", file: "static/app.css", type: "text/css; charset=utf-8" },
  { name: "favicon.svg", file: "static/favicon.svg", type: "image/svg+xml" },
  { name: "board.js", file: "static/board.js", type: "text/javascript; charset=utf-8" },
  { name: "schedule.js", file: "static/schedule.js", type: "text/javascript; charset=utf-8" },
  // htmx comes straight from node_modules under a versioned URL, so an upgrade changes the URL.
  { name: "htmx.js", file: "node_modules/htmx.org/dist/htmx.min.js", type: "text/javascript; charset=utf-8", url: `/vendor/htmx-${htmxVersion}/htmx.min.js` },
];

const byName = new Map<string, Asset>();
const byUrl = new Map<string, Asset>();

for (const s of sources) {
  const body = new Uint8Array(readFileSync(join(root, s.file)));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 10);
  const url = s.url ?? `/static/${s.name.replace(/(\.[a-z0-9]+)$/, `.${hash}$1`)}`;
  const asset: Asset = {
    url,
    type: s.type,
    body,
    gzip: new Uint8Array(gzipSync(body, { level: 9 })),
    brotli: new Uint8Array(brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })),
    etag: `"${hash}"`,
  };
  byName.set(s.name, asset);
  byUrl.set(url, asset);
}

/** The fingerprinted URL of a static file, for views. */
export function assetUrl(name: string): string {
  const a = byName.get(name);
  if (!a) throw new Error(`unknown asset ${name}`);
  return a.url;
}

export function assetAt(url: string): Asset | undefined {
  return byUrl.get(url);
}

export function allAssets(): Asset[] {
  return [...byUrl.values()];
}
