import type { Task } from "graphile-worker";
import { z } from "zod";
import { parseConfig } from "../../config.ts";
import { processInbox, purgeOldInbox } from "../../domain/messaging/jobs.ts";
import { deliverMessage, type DeliverSettings } from "../../domain/messaging/send.ts";
import type { JobDeps } from "../deps.ts";

// Payloads are ids only: bodies, addresses and phone numbers stay in the database (and out of the job tables).
const SendPayload = z.object({ tenantId: z.uuid(), messageId: z.uuid() });
const InboxPayload = z.object({ tenantId: z.uuid(), inboxId: z.uuid() });

// JobDeps carries no configuration; the worker's environment was validated at start, so it is read again here.
const fromEnv = (): DeliverSettings => {
  const config = parseConfig(process.env);
  return { publicUrl: config.publicUrl, timeoutMs: config.MESSAGING_TIMEOUT_MS };
};

/** Sends one queued message through its provider, once (see src/domain/messaging/send.ts). */
export const messagingSend =
  (deps: JobDeps, settings?: DeliverSettings): Task =>
  async (payload, helpers) => {
    const job = SendPayload.parse(payload);
    const outcome = await deliverMessage(deps.db.app, job.tenantId, job.messageId, deps.now(), settings ?? fromEnv());
    helpers.logger.info(`messaging-send ${job.messageId}: ${outcome}`);
  };

/** Processes one stored webhook delivery: inbound messages and status callbacks. */
export const messagingInbox =
  (deps: JobDeps): Task =>
  async (payload) => {
    const job = InboxPayload.parse(payload);
    await processInbox(deps.db.app, job.tenantId, job.inboxId, deps.now());
  };

/** Retention: raw webhook deliveries are deleted 30 days after they arrived. */
export const purgeMessageInbox =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purgeOldInbox(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-message-inbox: deleted ${deleted} deliveries`);
  };
