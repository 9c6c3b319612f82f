import type { Db } from "../domain/db.ts";
import type { Mailer } from "../domain/mail/transport.ts";

/** What every task may use. `now` is injected so tests drive time instead of sleeping. */
export interface JobDeps {
  db: Db;
  mailer: Mailer | null;
  mailFrom: string;
  now: () => Date;
}
