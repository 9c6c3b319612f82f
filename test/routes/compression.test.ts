import { describe, expect, test } from "bun:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { assetUrl } from "../../src/assets.ts";
import { pickEncoding } from "../../src/routes/middleware/compress.ts";
import { Client, testApp } from "../support/app.ts";
import { useTestDatabase } from "../support/db.ts";

const t = useTestDatabase();
const client = () => new Client(testApp({ db: t.db }));

async function rawBody(res: Response) {
  return new Uint8Array(await res.arrayBuffer());
}

describe("compression", () => {
  test("pages are sent with brotli when the browser offers it, and decode to the same HTML", async () => {
    const plain = await (await client().get("/")).text();
    const res = await client().get("/", { "accept-encoding": "gzip, deflate, br" });
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.headers.get("vary")).toContain("Accept-Encoding");
    const body = await rawBody(res);
    expect(body.byteLength).toBeLessThan(plain.length);
    expect(brotliDecompressSync(body).toString()).toBe(plain);
  });

  test("gzip is used when brotli is not offered or is refused with q=0", async () => {
    for (const accept of ["gzip", "br;q=0, gzip"]) {
      const res = await client().get("/", { "accept-encoding": accept });
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(gunzipSync(await rawBody(res)).toString()).toContain("<!DOCTYPE html>");
    }
  });

  test("without Accept-Encoding the page is sent as is", async () => {
    const res = await client().get("/");
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.text()).toStartWith("<!DOCTYPE html>");
  });

  test("static files come precompressed and answer 304 to a matching ETag", async () => {
    const url = assetUrl("htmx.js");
    const br = await client().get(url, { "accept-encoding": "br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    const bytes = await rawBody(br);
    expect(bytes.byteLength).toBeLessThan(14_000);
    expect(brotliDecompressSync(bytes).toString()).toContain("htmx");
    const again = await client().get(url, { "if-none-match": br.headers.get("etag")! });
    expect(again.status).toBe(304);
  });

  test("Accept-Encoding is read as the standard says", () => {
    expect(pickEncoding(undefined)).toBeNull();
    expect(pickEncoding("identity")).toBeNull();
    expect(pickEncoding("gzip;q=0.5, br;q=0.1")).toBe("br");
    expect(pickEncoding("*")).toBe("br");
    expect(pickEncoding("*, br;q=0")).toBe("gzip");
    expect(pickEncoding("deflate")).toBeNull();
  });
});
