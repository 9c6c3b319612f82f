import postgres from "postgres";

// Worker crash recovery. graphile-worker locks a job with its pool's id (`locked_by`) and, should that process
// die without unlocking (kill -9, OOM, a lost machine), leaves the job locked for four hours. Each worker process
// therefore registers its pool id together with the backend of one connection it keeps open for its whole life.
// A process that dies loses that backend at once (the kernel closes its socket), so any other worker sees it gone
// from pg_stat_activity and hands the pool's jobs back to the queue with graphile-worker's own
// force_unlock_workers(); the jobs then run again on a live worker, and each job resumes from its own checkpoint.
//
// Declaring a live process dead would run its jobs twice, so a pool counts as dead only when all three hold:
// - its registered backend is gone (a process busy in a long synchronous step still holds its connection);
// - it has not refreshed seen_at for two heartbeats (a dropped connection reconnects and re-registers first);
// - PostgreSQL itself has been up for two heartbeats (after a restart every backend is new: give the live
//   processes time to reconnect before judging them).
// Pools that never registered (a process killed in the milliseconds between creating its pool and registering it)
// keep graphile-worker's four-hour rule.

export interface WorkerLiveness {
  /** Registers a pool id of this process (call it from graphile-worker's pool:create event). */
  register(poolId: string): void;
  /** Releases the jobs of dead pools now; returns the pool ids it released. */
  sweep(): Promise<string[]>;
  /**
   * Stops the heartbeat. The pool's row stays: graphile-worker's graceful stop can leave a job it fetched at the
   * last moment locked, and the next sweep releases that job once this process's connection is gone.
   */
  close(): Promise<void>;
}

export interface LivenessOptions {
  heartbeatSeconds: number;
  onError: (message: string) => void;
}

export function startWorkerLiveness(ownerUrl: string, opts: LivenessOptions): WorkerLiveness {
  // One connection for the process's whole life: its backend pid is the process's pulse.
  const sql = postgres(ownerUrl, { max: 1, idle_timeout: 0, max_lifetime: 0, connect_timeout: 10, onnotice: () => {} });
  const pools = new Set<string>();
  const grace = `${opts.heartbeatSeconds * 2} seconds`;

  async function heartbeat(): Promise<void> {
    if (!pools.size) return;
    // Upsert, not update: after a PostgreSQL restart (or a sweep that judged us dead) the row is rewritten with
    // the new backend.
    await sql`
      insert into worker_pools (pool_id, backend_pid, backend_start, seen_at)
      select p, pg_backend_pid(), a.backend_start, now()
      from unnest(${[...pools]}::text[]) p, pg_stat_activity a where a.pid = pg_backend_pid()
      on conflict (pool_id) do update set backend_pid = excluded.backend_pid, backend_start = excluded.backend_start, seen_at = now()`;
  }

  async function sweep(): Promise<string[]> {
    // One transaction: a pool's row is never forgotten while its jobs stay locked.
    return sql.begin(async (tx) => {
      const dead = await tx<{ pool_id: string }[]>`
        delete from worker_pools w
        where w.seen_at < now() - ${grace}::interval
          and pg_postmaster_start_time() < now() - ${grace}::interval
          and not exists (select 1 from pg_stat_activity a where a.pid = w.backend_pid and a.backend_start = w.backend_start)
        returning pool_id`;
      const ids = dead.map((d) => d.pool_id);
      if (ids.length) await tx`select graphile_worker.force_unlock_workers(${ids}::text[])`;
      return ids;
    });
  }

  const tick = async () => {
    try {
      await heartbeat();
      await sweep();
    } catch (err) {
      // PostgreSQL down or restarting: the next tick reconnects.
      opts.onError(`worker liveness: ${(err as Error).message}`);
    }
  };
  const timer = setInterval(tick, opts.heartbeatSeconds * 1000);

  return {
    register(poolId) {
      pools.add(poolId);
      void tick();
    },
    sweep,
    async close() {
      clearInterval(timer);
      await sql.end({ timeout: 5 });
    },
  };
}
