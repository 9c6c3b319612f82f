import type { Config } from "../config.ts";
import type { Db } from "../domain/db.ts";

export interface Logger {
  info(fields: Record<string, unknown>): void;
  error(fields: Record<string, unknown>): void;
}

export interface AppDeps {
  config: Config;
  db: Db;
  /** Injected clock: tests move time instead of sleeping. */
  now: () => Date;
  log: Logger;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    deps: AppDeps;
  };
};

/** One JSON line per event on stdout; the shape log collectors expect. */
export const jsonLogger: Logger = {
  info: (f) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", ...f })),
  error: (f) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "error", ...f })),
};
