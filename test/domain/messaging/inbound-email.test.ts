import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { startInboundSmtp, type InboundSmtp } from "../../../src/domain/messaging/inbound-email.ts";
import { memoryLogger, testApp } from "../../support/app.ts";
import { useTestDatabase } from "../../support/db.ts";
import { messagingWorld } from "../../routes/messaging/fixture.ts";

const t = useTestDatabase();
const DOMAIN = "log.steward.test";
const log = memoryLogger();
let listener: InboundSmtp;

beforeAll(async () => {
  listener = await startInboundSmtp({ db: t.db.app, host: "127.0.0.1", port: 0, domain: DOMAIN, maxBytes: 1024 * 1024, now: () => new Date(), log });
});
afterAll(() => listener.close());

function send(mail: SendMailOptions) {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: listener.port, secure: false, ignoreTLS: true });
  return transport.sendMail(mail).finally(() => transport.close());
}

describe("the logging mailbox", () => {
  test("mail BCC'd to a workspace's logging address is logged on each matching contact, with its attachments; sent twice, it is logged once", async () => {
    const w = await messagingWorld(t, testApp({ db: t.db }));
    const mail = {
      from: "Sam Seller <sam@ourfirm.example>",
      to: "Ada <ADA@example.com>",
      cc: "stranger@nowhere.example",
      bcc: `${w.logToken}@${DOMAIN}`,
      subject: "Your quote",
      text: "Attached is the quote.",
      messageId: "<quote-1@ourfirm.example>",
      attachments: [{ filename: "quote.pdf", content: Buffer.from("%PDF-1.4 quote bytes"), contentType: "application/pdf" }],
    };
    await send(mail);
    await send(mail);
    const rows = await t.su`select id, direction, from_address, to_address, subject, body, contact_id, status from messages where tenant_id = ${w.account.tenantId}`;
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ direction: "out", from_address: "sam@ourfirm.example", to_address: "ada@example.com", subject: "Your quote", contact_id: w.contactId, status: "sent" });
    expect(rows[0]!.body.trim()).toBe("Attached is the quote.");
    const files = await t.su`select filename, content_type, size_bytes, convert_from(content, 'UTF8') as text, contact_id from message_attachments where message_id = ${rows[0]!.id}`;
    expect([...files]).toEqual([{ filename: "quote.pdf", content_type: "application/pdf", size_bytes: 20, text: "%PDF-1.4 quote bytes", contact_id: w.contactId }]);
    // The thread page links the file, and the download is an attachment, never rendered.
    const thread = await t.su`select thread_id from messages where id = ${rows[0]!.id}`;
    const html = await (await w.account.client.get(`/t/${w.account.slug}/messaging/threads/${thread[0]!.thread_id}`)).text();
    expect(html).toContain("quote.pdf");
    const [file] = await t.su`select id from message_attachments where message_id = ${rows[0]!.id}`;
    const dl = await w.account.client.get(`/t/${w.account.slug}/messaging/attachments/${file!.id}`);
    expect(dl.headers.get("content-disposition")).toContain("attachment");
    expect(dl.headers.get("x-content-type-options")).toBe("nosniff");
    // Nothing personal in the log lines.
    expect(JSON.stringify(log.lines)).not.toContain("example.com");
  });

  test("a reply from the contact is logged as received on them", async () => {
    const w = await messagingWorld(t, testApp({ db: t.db }));
    await send({ from: "ada.home@example.org", to: "sam@ourfirm.example", bcc: `${w.logToken}@${DOMAIN}`, subject: "Re: Your quote", text: "Looks good" });
    const rows = await t.su`select direction, status, contact_id from messages where tenant_id = ${w.account.tenantId}`;
    expect([...rows]).toEqual([{ direction: "in", status: "received", contact_id: w.contactId }]);
  });

  test("an unknown mailbox or another domain is refused at RCPT (550): no open relay, nothing stored", async () => {
    const w = await messagingWorld(t, testApp({ db: t.db }));
    await expect(send({ from: "x@example.com", to: `nosuchtoken00000@${DOMAIN}`, subject: "s", text: "t" })).rejects.toThrow(/550/);
    await expect(send({ from: "x@example.com", to: `${w.logToken}@elsewhere.example`, subject: "s", text: "t" })).rejects.toThrow(/550/);
    const [n] = await t.su`select count(*)::int as n from messages where tenant_id = ${w.account.tenantId}`;
    expect(n!.n).toBe(0);
  });
});
