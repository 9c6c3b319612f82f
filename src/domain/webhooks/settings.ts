import type { Config } from "../../config.ts";
import type { DeliverySettings } from "./deliveries.ts";

/** Private and loopback targets are refused in production unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set. */
export function webhookSettings(config: Config): DeliverySettings {
  return { timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: !config.production || config.WEBHOOK_ALLOW_PRIVATE_TARGETS };
}
