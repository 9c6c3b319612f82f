import type { Task } from "graphile-worker";
import { z } from "zod";
import { deliverEmail } from "../../domain/mail/outbox.ts";
import type { JobDeps } from "../deps.ts";

const Payload = z.object({ emailId: z.uuid() });

export const sendEmail =
  (deps: JobDeps): Task =>
  async (payload, helpers) => {
    const { emailId } = Payload.parse(payload);
    await deliverEmail({ db: deps.db.owner, mailer: deps.mailer, from: deps.mailFrom, now: deps.now }, emailId, {
      number: helpers.job.attempts,
      max: helpers.job.max_attempts,
    });
  };
