import { Hono, type Context } from "hono";
import { assetAt } from "../assets.ts";
import { pickEncoding } from "./middleware/compress.ts";
import type { AppEnv } from "./types.ts";

/** Fingerprinted files from memory, precompressed, cached for a year as immutable. */
function serve(c: Context<AppEnv>) {
  const asset = assetAt(c.req.path);
  if (!asset) return c.notFound();
  const headers: Record<string, string> = {
    "Content-Type": asset.type,
    "Cache-Control": "public, max-age=31536000, immutable",
    ETag: asset.etag,
    Vary: "Accept-Encoding",
  };
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
  const enc = pickEncoding(c.req.header("accept-encoding"));
  const body = enc === "br" ? asset.brotli : enc === "gzip" ? asset.gzip : asset.body;
  if (enc) headers["Content-Encoding"] = enc;
  return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
}

export const staticRoutes = new Hono<AppEnv>().get("/static/*", serve).get("/vendor/*", serve);
