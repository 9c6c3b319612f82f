// Database faults that are not bugs, and what the user is told. A PostgreSQL restart, failover or a full disk
// must not look like "Steward hit an unexpected error": the request can be retried (503 with Retry-After), or
// the thing being saved is too big for the database (413), or the server is out of space (507).

import { errorCode, isConnectionLost } from "../domain/db.ts";

export interface DatabaseFault {
  status: 413 | 503 | 507;
  message: string;
  /** Seconds, for a Retry-After header. */
  retryAfter?: number;
}

export const UNAVAILABLE =
  "Steward is temporarily unavailable: its database cannot be reached right now. Nothing was saved by this request; please try again in a few seconds.";
const DISK_FULL = "The server has run out of storage space, so this could not be saved. Nothing was saved; please tell your administrator.";
const TOO_LARGE = "This is too large for Steward to store. Nothing was saved; make it smaller and try again.";

/** The fault this error stands for, or null when it is something else (a bug: a 500). */
export function databaseFault(err: unknown): DatabaseFault | null {
  if (isConnectionLost(err)) return { status: 503, message: UNAVAILABLE, retryAfter: 5 };
  const code = errorCode(err);
  // 53100 disk_full, 53200 out_of_memory would be 503 too, but a full disk does not clear in seconds.
  if (code === "53100") return { status: 507, message: DISK_FULL };
  // 54000 program_limit_exceeded (a value past 1 GB, an index row too big), 54001 statement too complex.
  if (code === "54000" || code === "54001") return { status: 413, message: TOO_LARGE };
  return null;
}
