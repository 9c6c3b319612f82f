import { Hono } from "hono";
import { z } from "zod";
import { NotFound } from "../domain/errors.ts";
import { findOutboxEmail, listOutbox } from "../domain/mail/outbox.ts";
import { MailboxPage, MailPage } from "../views/dev-mail.tsx";
import { page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

const Id = z.uuid();

/** The development mailbox. Mounted only outside production (see app.tsx). */
export const devMailRoutes = new Hono<AppEnv>()
  .get("/dev/mail", async (c) => page(c, <MailboxPage emails={await listOutbox(c.var.deps.db.owner)} />))
  .get("/dev/mail/:id", async (c) => {
    const id = Id.safeParse(c.req.param("id"));
    const email = id.success ? await findOutboxEmail(c.var.deps.db.owner, id.data) : undefined;
    if (!email) throw new NotFound("There is no email with that id in the mailbox.");
    return page(c, <MailPage email={email} />);
  });
