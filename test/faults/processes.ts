import { afterAll } from "bun:test";

// Real Steward processes for the fault tests: `bun src/server.ts` as `bun run start/web/worker` runs it, so a
// kill -9 is a real process death. Every process a test file starts is killed in its afterAll.

export interface Steward {
  proc: Bun.Subprocess;
  output: () => string;
}

export function useProcesses() {
  const running: Bun.Subprocess[] = [];
  afterAll(async () => {
    for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await Promise.all(running.map((p) => p.exited));
  });

  /** Starts Steward with `args` and waits for its ready line. */
  async function start(args: string[], env: Record<string, string>, ready = /Steward (worker )?is running/): Promise<Steward> {
    const proc = Bun.spawn(["bun", "src/server.ts", ...args], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_REQUESTS: "false", WORKER_HEARTBEAT_SECONDS: "1", ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    running.push(proc);
    let out = "";
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) out += new TextDecoder().decode(chunk);
    };
    void pump(proc.stdout as ReadableStream<Uint8Array>);
    void pump(proc.stderr as ReadableStream<Uint8Array>);
    await waitFor("Steward to start", () => ready.test(out) || proc.exitCode !== null, 20_000, 20);
    if (proc.exitCode !== null) throw new Error(`Steward exited:\n${out}`);
    return { proc, output: () => out };
  }

  return { start };
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** kill -9, and wait until the process is gone. */
export async function killHard(s: Steward): Promise<void> {
  s.proc.kill("SIGKILL");
  await s.proc.exited;
}
