import type { Config } from "../config.ts";
import type { DB, Db } from "../domain/db.ts";
import type { Session } from "../domain/auth/sessions.ts";
import type { User } from "../domain/schema.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";

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
    /** Set by the session middleware; null when signed out. */
    user: User | null;
    session: Session | null;
    /** The membership for the /t/<slug> of the path (slug as written there), read with the session. */
    sessionMembership?: { slug: string; membership: Membership | null };
    /** Set by the tenant middleware under /t/:slug. */
    membership: Membership;
    /** A CRM page's one transaction (see routes/crm/index.ts); domain calls made with requestCtx() join it. */
    tx?: DB;
  };
};

/** One JSON line per event on stdout; the shape log collectors expect. */
export const jsonLogger: Logger = {
  info: (f) => console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", ...f })),
  error: (f) => console.error(JSON.stringify({ time: new Date().toISOString(), level: "error", ...f })),
};
