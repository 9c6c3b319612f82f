import type { Task } from "graphile-worker";
import { z } from "zod";
import { runAccountErasure } from "../../domain/privacy/erasure-account.ts";
import { runPersonErasure } from "../../domain/privacy/erasure-person.ts";
import { sweepErasures } from "../../domain/privacy/erasure-sweep.ts";
import type { JobDeps } from "../deps.ts";

const PersonPayload = z.object({ tenantId: z.uuid(), requestId: z.uuid() });
const AccountPayload = z.object({ erasureId: z.uuid() });

// P23: erases one CRM person (and everyone who is the same person by address) for one request. A failure is
// recorded on the request, which the privacy team retries from its page.
export const personErasure =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const job = PersonPayload.parse(payload);
    const outcome = await runPersonErasure(deps.db.owner, deps.now(), job.tenantId, job.requestId);
    helpers.logger.info(`person-erasure ${job.requestId}: ${outcome}`);
  };

// P15: purges an account once its grace period is over. Resumable: each workspace commits with its counts, and a
// rerun finds nothing left where it already ran. A throw lets graphile-worker retry with backoff.
export const accountErasure =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const job = AccountPayload.parse(payload);
    const outcome = await runAccountErasure(deps.db.owner, deps.now(), job.erasureId);
    if (typeof outcome === "object") {
      await helpers.addJob("account-erasure", job, { runAt: outcome.notBefore, jobKey: `account-erasure:${job.erasureId}:later` });
      return;
    }
    helpers.logger.info(`account-erasure ${job.erasureId}: ${outcome}`);
  };

// Hourly: erasures whose time has come but whose job was lost, and unverified public requests older than a day.
export const erasureSweep =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const r = await sweepErasures(deps.db.owner, deps.now());
    if (r.accounts || r.people || r.abandoned) helpers.logger.info(`erasure-sweep: ${r.accounts} accounts, ${r.people} people erased; ${r.abandoned} unverified requests closed`);
  };
