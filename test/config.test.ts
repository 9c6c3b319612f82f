import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfig } from "../src/config.ts";

function errorOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a config error");
}

describe("configuration", () => {
  test("an empty environment gives a working development setup", () => {
    const c = parseConfig({});
    expect(c.NODE_ENV).toBe("development");
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe(".data");
    expect(c.EMBEDDED_PG_PORT).toBeLessThan(32768);
    expect(c.publicUrl).toBe("http://localhost:3000");
    expect(c.production).toBe(false);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  test("values are parsed and typed", () => {
    const c = parseConfig({ PORT: "8080", TRUST_PROXY: "true", WORKER_CONCURRENCY: "4", PUBLIC_URL: "https://ops.example.com/", NODE_ENV: "production" });
    expect(c).toMatchObject({ PORT: 8080, TRUST_PROXY: true, WORKER_CONCURRENCY: 4, production: true, publicUrl: "https://ops.example.com" });
  });

  test("an empty variable counts as unset", () => {
    expect(parseConfig({ PORT: "" }).PORT).toBe(3000);
  });

  test.each([
    [{ PORT: "abc" }, 'config: PORT must be a number (got "abc")'],
    [{ PORT: "70000" }, 'config: PORT must be between 1 and 65535 (got "70000")'],
    [{ PORT: "80.5" }, 'config: PORT must be a whole number (got "80.5")'],
    [{ NODE_ENV: "staging" }, 'config: NODE_ENV must be development, production or test (got "staging")'],
    [{ DATABASE_URL: "mysql://x" }, "config: DATABASE_URL must be a postgres:// URL"],
    [{ APP_DATABASE_URL: "postgres://app@db/steward" }, "config: APP_DATABASE_URL needs DATABASE_URL (the owner connection) too"],
    [{ EMBEDDED_PG_PORT: "40000" }, 'config: EMBEDDED_PG_PORT must be below 32768 (the ephemeral port range) (got "40000")'],
    [{ TRUST_PROXY: "maybe" }, 'config: TRUST_PROXY must be true or false (got "maybe")'],
    [{ SMTP_URL: "mail.example.com" }, "config: SMTP_URL must be an smtp:// or smtps:// URL"],
    [{ NODE_ENV: "production" }, "config: PUBLIC_URL is required when NODE_ENV=production"],
  ])("%o is refused with one line naming the variable", (env, message) => {
    expect(errorOf(env as Record<string, string>)).toBe(message);
  });

  test("a secret-bearing value is never echoed back", () => {
    const msg = errorOf({ DATABASE_URL: "mysql://user:hunter2@db/x" });
    expect(msg).not.toContain("hunter2");
  });

  test("the server exits with code 2 and one line, no stack trace, on a bad value", async () => {
    const proc = Bun.spawn(["bun", "src/server.ts"], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PORT: "not-a-port" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual(['config: PORT must be a number (got "not-a-port")']);
  });

  test("web and worker processes refuse to start without a shared DATABASE_URL", async () => {
    const proc = Bun.spawn(["bun", "src/server.ts", "--worker"], { env: { PATH: process.env.PATH!, HOME: process.env.HOME! }, stderr: "pipe", stdout: "pipe" });
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("config: DATABASE_URL is required for `bun run worker`: separate processes must share one database server");
  });
});
