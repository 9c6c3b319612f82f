import { z } from "zod";

// Every setting Steward reads from the environment, in one place. The README's configuration table mirrors this.
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), { error: "must be a postgres:// URL" });

const port = z.coerce
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number" })
  .min(1, { error: "must be between 1 and 65535" })
  .max(65535, { error: "must be between 1 and 65535" });

const positiveInt = (max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: `must be between 1 and ${max}` })
    .max(max, { error: `must be between 1 and ${max}` });

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"], { error: "must be development, production or test" }).default("development"),
    PORT: port.default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://steward.example.com" }).optional(),
    DATABASE_URL: postgresUrl.optional(),
    APP_DATABASE_URL: postgresUrl.optional(),
    DATA_DIR: z.string().min(1).default(".data"),
    // `bun run backup` / `restore` (P24): where dumps go, and a role that bypasses row-level security to take them.
    BACKUP_DIR: z.string().min(1).default("backups"),
    BACKUP_DATABASE_URL: postgresUrl.optional(),
    EMBEDDED_PG_PORT: port.max(32767, { error: "must be below 32768 (the ephemeral port range)" }).default(15432),
    DB_POOL_SIZE: positiveInt(200).default(10),
    WORKER_CONCURRENCY: positiveInt(64).default(2),
    // How often a worker proves it is alive; a dead worker's jobs are released after about two of these.
    WORKER_HEARTBEAT_SECONDS: positiveInt(300).default(15),
    SMTP_URL: z.string().refine((v) => /^smtps?:\/\/.+/.test(v), { error: "must be an smtp:// or smtps:// URL" }).optional(),
    MAIL_FROM: z.string().min(3).default("Steward <no-reply@steward.localhost>"),
    TRUST_PROXY: bool.default(false),
    SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(15_000),
    LOG_REQUESTS: bool.default(true),
    SESSION_DAYS: positiveInt(365).default(30),
    ATTACHMENT_MAX_MB: positiveInt(100).default(10),
    ERASURE_GRACE_DAYS: positiveInt(365).default(14),
    BILLING_WEBHOOK_SECRET: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
    // Weather for pours (crews): each workspace picks a provider (or none); only that provider is ever called (P21).
    NWS_BASE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.weather.gov"),
    NWS_USER_AGENT: z.string().min(3).max(200).default("Steward (ops@steward.localhost)"),
    OPEN_METEO_BASE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.open-meteo.com"),
    OPEN_METEO_API_KEY: z.string().min(1).max(200).optional(),
    WEATHER_TIMEOUT_MS: positiveInt(60_000).default(5000),
    // REST API access tokens (JWT HS256). Set it when running more than one web process: without it each process
    // draws its own secret at start, and tokens work only against the process that issued them.
    API_JWT_SECRET: z.string().min(32, { error: "must be at least 32 characters" }).optional(),
    API_RATE_PER_MINUTE: positiveInt(100_000).default(600),
    // Messaging (issue 8): provider requests time out after this; the inbound logging SMTP listener is off unless a port is set.
    MESSAGING_TIMEOUT_MS: positiveInt(60_000).default(10_000),
    INBOUND_SMTP_PORT: port.optional(),
    INBOUND_SMTP_HOST: z.string().min(1).default("0.0.0.0"),
    INBOUND_SMTP_DOMAIN: z.string().regex(/^[a-z0-9.-]+$/i, { error: "must be a domain name" }).default("log.steward.localhost"),
    INBOUND_SMTP_MAX_MB: positiveInt(100).default(25),
    WEBHOOK_TIMEOUT_MS: positiveInt(60_000).default(10_000),
    WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.PUBLIC_URL) {
      ctx.addIssue({ code: "custom", path: ["PUBLIC_URL"], message: "is required when NODE_ENV=production" });
    }
    if (env.APP_DATABASE_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: "custom", path: ["APP_DATABASE_URL"], message: "needs DATABASE_URL (the owner connection) too" });
    }
  });

export type Env = z.output<typeof schema>;

export interface Config extends Env {
  production: boolean;
  /** The origin users reach Steward at: links in emails, the Origin check, HTTPS redirects. */
  publicUrl: string;
}

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError whose message is one line naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const got = cleaned[name];
    const shown = got === undefined || /URL|PASSWORD|SECRET|KEY/.test(name) ? "" : ` (got "${got}")`;
    throw new ConfigError(`config: ${name} ${issue.message}${shown}`);
  }
  const e = result.data;
  return {
    ...e,
    production: e.NODE_ENV === "production",
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
  };
}

/** For entry points: a bad value prints one line and exits 2, never a stack trace. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
