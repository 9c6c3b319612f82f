import type { TaskList } from "graphile-worker";
import type { TaskName } from "../domain/queue.ts";
import type { JobDeps } from "./deps.ts";
import { purgeOutbox } from "./mail/purge-outbox.ts";
import { sendEmail } from "./mail/send-email.ts";
import { purgeAudit } from "./audit/purge-audit.ts";
import { purgeAuth } from "./auth/purge-auth.ts";
import { crmImport, purgeImports } from "./crm/crm-import.ts";
import { capacityImport, purgeCapacityImports } from "./capacity/capacity-import.ts";
import { purgeCrewImports } from "./crews/purge-crew-imports.ts";

import { privacyExport, purgeExports } from "./privacy/exports.ts";
import { accountErasure, erasureSweep, personErasure } from "./privacy/erasure.ts";
import { workspacePurge } from "./privacy/workspace-purge.ts";
import { workspaceLifecycle } from "./privacy/workspace-lifecycle.ts";
import { crewScheduleDue, crewScheduleSend } from "./crews/schedule-distribution.ts";
import { crewPourWeather, crewPourWeatherCheck } from "./crews/pour-weather.ts";
import { messagingInbox, messagingSend, purgeMessageInbox } from "./messaging/messaging.ts";
import { purgeWebhooks, webhookDeliver } from "./webhooks/webhook-deliver.ts";
export type { JobDeps } from "./deps.ts";

/** The explicit task registry: a task name the domain can enqueue must have a handler here (typed). */
export function createTaskList(deps: JobDeps): Record<TaskName, TaskList[string]> {
  return {
    "send-email": sendEmail(deps),
    "purge-outbox": purgeOutbox(deps),
    "purge-audit": purgeAudit(deps),
    "purge-auth": purgeAuth(deps),
    "crm-import": crmImport(deps),
    "purge-imports": purgeImports(deps),
    "capacity-import": capacityImport(deps),
    "purge-capacity-imports": purgeCapacityImports(deps),
    "purge-crew-imports": purgeCrewImports(deps),
    "privacy-export": privacyExport(deps),
    "purge-exports": purgeExports(deps),
    "person-erasure": personErasure(deps),
    "account-erasure": accountErasure(deps),
    "erasure-sweep": erasureSweep(deps),
    "workspace-purge": workspacePurge(deps),
    "workspace-lifecycle": workspaceLifecycle(deps),
    "crew-schedule-due": crewScheduleDue(deps),
    "crew-schedule-send": crewScheduleSend(deps),
    "crew-pour-weather": crewPourWeather(deps),
    "crew-pour-weather-check": crewPourWeatherCheck(deps),
    "messaging-send": messagingSend(deps),
    "messaging-inbox": messagingInbox(deps),
    "purge-message-inbox": purgeMessageInbox(deps),
    "webhook-deliver": webhookDeliver(deps),
    "purge-webhooks": purgeWebhooks(deps),
  };
}

// Few cron lines, each fanning out itself. UTC. `?fill=1d` backfills a run missed while no worker was up.
export const crontab = [
  "0 3 * * * purge-outbox ?fill=1d&max=1",
  "15 3 * * * purge-audit ?fill=1d&max=1",
  "*/30 * * * * purge-auth ?fill=1h&max=1",
  "45 3 * * * purge-imports ?fill=1d&max=1",
  "50 3 * * * purge-capacity-imports ?fill=1d&max=1",
  "52 3 * * * purge-crew-imports ?fill=1d&max=1",
  "55 3 * * * purge-exports ?fill=1d&max=1",
  "5 * * * * erasure-sweep ?fill=1h&max=1",
  "10 4 * * * workspace-lifecycle ?fill=1d&max=1",
  "*/15 * * * * crew-schedule-due ?fill=1h&max=1",
  // 20:00 UTC: the afternoon before in the Americas, when tomorrow's pours are still being called.
  "0 20 * * * crew-pour-weather ?fill=1d&max=1",
  "57 3 * * * purge-message-inbox ?fill=1d&max=1",
  "58 3 * * * purge-webhooks ?fill=1d&max=1",
].join("\n");
