import type { ColumnType, Selectable } from "kysely";

// The database as Kysely sees it. Each interface mirrors a table created in migrations/.

export type EmailStatus = "queued" | "sent" | "retrying" | "failed" | "captured";

export interface EmailsTable {
  id: string;
  idempotency_key: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: ColumnType<EmailStatus, EmailStatus | undefined, EmailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: ColumnType<Date, Date | undefined, Date>;
  sent_at: Date | null;
}

export interface Database {
  emails: EmailsTable;
}

export type Email = Selectable<EmailsTable>;
