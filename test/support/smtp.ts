import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import type { AddressInfo } from "node:net";

export interface TestSmtp {
  url: string;
  messages: ParsedMail[];
  /** Messages whose data has started arriving (accepted or not). */
  receiving(): number;
  /** Reject the next n messages with a 451 (temporary failure), as a struggling mail server would. */
  failNext(n: number, message?: string): void;
  /** Hold each message this long before accepting it: a slow server keeps a send in flight. */
  setDelay(ms: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that parses what it receives; on a given port (a server "coming back"), or any. */
export async function startSmtp(port = 0): Promise<TestSmtp> {
  const messages: ParsedMail[] = [];
  let failures = 0;
  let failMessage = "try again later";
  let delay = 0;
  let started = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      started++;
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (delay) await Bun.sleep(delay);
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error(failMessage), { responseCode: 451 });
          return callback(err);
        }
        messages.push(await simpleParser(Buffer.concat(chunks)));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${bound}`,
    messages,
    receiving: () => started,
    failNext(n, message = "try again later") {
      failures = n;
      failMessage = message;
    },
    setDelay(ms) {
      delay = ms;
    },
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await Bun.sleep(10);
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
