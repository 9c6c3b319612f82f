import type { Task } from "graphile-worker";
import { purgeRateLimits } from "../../domain/auth/rate-limit.ts";
import type { JobDeps } from "../deps.ts";

// Expired sign-in state: rate-limit windows, old failure records, used or expired tokens, expired sessions.
export const purgeAuth =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const n = await purgeRateLimits(deps.db.owner, deps.now());
    if (n) helpers.logger.info(`purge-auth: ${n} rate-limit windows`);
  };
