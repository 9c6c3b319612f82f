import type { Task } from "graphile-worker";
import { z } from "zod";
import { queueDueDistributions, runDistribution } from "../../domain/crews/distribution.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ tenantId: z.uuid(), distributionId: z.uuid() });

// Issue 7, item 7 (P19): every 15 minutes, queues the weekly schedule emails of the workspaces whose distribution
// day and time have come (each in its own time zone). Idempotent: a week already queued is skipped.
export const crewScheduleDue =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const { queued } = await queueDueDistributions(deps.db, deps.now());
    if (queued.length) helpers.logger.info(`crew-schedule-due: ${queued.length} workspaces queued`);
  };

// Emails one week's schedule. Safe to run twice: a settled distribution is skipped, and each email's key allows
// one email per person per week.
export const crewScheduleSend =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const job = Payload.parse(payload);
    const outcome = await runDistribution(deps.db.app, job.tenantId, job.distributionId, deps.now());
    if (outcome !== "sent") helpers.logger.info(`crew-schedule-send ${job.distributionId}: ${outcome}`);
  };
