import type { Task } from "graphile-worker";
import { z } from "zod";
import { parseConfig } from "../../config.ts";
import { deliver, purgeOldWebhookEvents, type DeliverySettings } from "../../domain/webhooks/deliveries.ts";
import { webhookSettings } from "../../domain/webhooks/settings.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ tenantId: z.uuid(), deliveryId: z.uuid() });

// JobDeps carries no configuration; the worker's environment was validated at start, so it is read again here.
const fromEnv = (): DeliverySettings => webhookSettings(parseConfig(process.env));

// One attempt of one webhook delivery. HTTP failures are not thrown: the domain records them and schedules the
// next attempt itself, so graphile-worker only retries when the database itself failed.
export const webhookDeliver =
  (deps: JobDeps, settings?: DeliverySettings): Task =>
  async (payload, helpers) => {
    const job = Payload.parse(payload);
    const outcome = await deliver(deps.db.app, job.tenantId, job.deliveryId, deps.now(), settings ?? fromEnv());
    if (outcome === "failed") helpers.logger.info(`webhook-deliver ${job.deliveryId}: gave up after the last attempt`);
  };

// Retention: webhook events and their delivery log are deleted after 30 days.
export const purgeWebhooks =
  (deps: JobDeps): Task =>
  async (_payload, helpers) => {
    const deleted = await purgeOldWebhookEvents(deps.db.owner, deps.now());
    if (deleted) helpers.logger.info(`purge-webhooks: deleted ${deleted} webhook events`);
  };
