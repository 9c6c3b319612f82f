import { Hono } from "hono";
import { ping } from "../domain/db.ts";
import type { AppEnv } from "./types.ts";

/** For load balancers: 200 when the database answers through the app's own pool, 503 when it does not. */
export const healthRoutes = new Hono<AppEnv>().get("/health", async (c) => {
  const ok = await ping(c.var.deps.db.appSql);
  return c.json({ status: ok ? "ok" : "unavailable", database: ok }, ok ? 200 : 503);
});
