import type { Task } from "graphile-worker";
import { purgeSignInFailures } from "../../domain/auth/accounts.ts";
import { purgeUserTokens } from "../../domain/auth/password-reset.ts";
import { purgeRateLimits } from "../../domain/auth/rate-limit.ts";
import { purgeExpiredSessions } from "../../domain/auth/sessions.ts";
import type { JobDeps } from "../deps.ts";
import { purgeApiState } from "../../domain/api/purge.ts";

// Expired sign-in state, every 30 minutes: rate-limit windows, old failure records, spent or expired tokens,
// expired sessions. None of it is needed once expired, and some of it (IPs, devices) is personal.
export const purgeAuth =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const db = deps.db.owner;
    const now = deps.now();
    const counts = {
      rateLimitWindows: await purgeRateLimits(db, now),
      signInFailures: await purgeSignInFailures(db, now),
      tokens: await purgeUserTokens(db, now),
      sessions: await purgeExpiredSessions(db, now),
      ...(await purgeApiState(db, now)),
    };
    if (Object.values(counts).some((n) => n > 0)) helpers.logger.info(`purge-auth: ${JSON.stringify(counts)}`);
  };
