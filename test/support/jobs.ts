import { runOnce, Logger, type TaskList } from "graphile-worker";
import type { TestDatabase } from "./db.ts";
import { createTaskList, type JobDeps } from "../../src/jobs/index.ts";
import type { Mailer } from "../../src/domain/mail/transport.ts";

const silent = new Logger(() => () => {});

export function jobDeps(t: TestDatabase, opts: { mailer?: Mailer | null; now?: () => Date } = {}): JobDeps {
  return { db: t.db, mailer: opts.mailer ?? null, mailFrom: "Steward <no-reply@steward.test>", now: opts.now ?? (() => new Date()) };
}

/** Runs every job that is due now, with the real task list (or one built around it), then returns. */
export async function runDueJobs(t: TestDatabase, deps: JobDeps, taskList?: TaskList) {
  await runOnce({ connectionString: t.urls.ownerUrl, taskList: taskList ?? createTaskList(deps), logger: silent, concurrency: 1 });
}

export interface JobRow {
  id: string;
  task: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  run_at: Date;
  key: string | null;
}

/** Jobs still in the queue (graphile-worker deletes a job once it succeeds). */
export async function queuedJobs(t: TestDatabase): Promise<JobRow[]> {
  return t.su<JobRow[]>`
    select j.id::text, t.identifier as task, j.payload, j.attempts, j.max_attempts, j.last_error, j.run_at, j.key
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    order by j.id`;
}

/** Makes every waiting job due now: the queue's clock, moved instead of slept through. */
export async function makeJobsDue(t: TestDatabase) {
  await t.su`update graphile_worker._private_jobs set run_at = now() - interval '1 second'`;
}
