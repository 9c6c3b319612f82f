import nodemailer from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";

export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

export interface Mailer {
  send(msg: OutgoingMessage): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer. Pooled: a new SMTP connection costs ~100 ms against a few ms on a warm one. */
export function smtpMailer(url: string): Mailer {
  // Keys beside `url` apply where the URL does not set them.
  const options: SMTPPool.Options & { url: string } = { url, pool: true, maxConnections: 2, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  const transport = nodemailer.createTransport(options);
  return {
    async send(msg) {
      await transport.sendMail(msg);
    },
    close: () => transport.close(),
  };
}
