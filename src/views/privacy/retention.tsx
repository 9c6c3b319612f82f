import type { RetentionRule } from "../../domain/privacy/retention.ts";
import { Layout, type SignedIn } from "../layout.tsx";

// Item 8: the retention rules in force, with the job that applies each and when it last and next runs.

export interface RetentionProps {
  user: SignedIn;
  rules: RetentionRule[];
}

const when = (d: Date | null) => (d ? `${d.toISOString().slice(0, 16).replace("T", " ")}` : null);

export function period(days: number): string {
  if (days % 365 === 0) return days === 365 ? "12 months" : `${days / 365} years`;
  return days === 1 ? "1 day" : `${days} days`;
}

export function RetentionPage({ user, rules }: RetentionProps) {
  const ws = user.workspace!;
  return (
    <Layout title={`Retention · ${ws.name}`} user={user}>
      <h1>Retention</h1>
      <p class="lead">
        How long Steward keeps each kind of data before a scheduled job deletes it, for every workspace. Times are UTC.
      </p>
      <div class="table-wrap" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Data</th>
              <th scope="col">Kept</th>
              <th scope="col">Job</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr>
                <td>
                  <strong>{r.what}</strong>
                  <br />
                  <span class="muted">{r.detail}</span>
                  {r.note && (
                    <>
                      <br />
                      <span class="badge">{r.note}</span>
                    </>
                  )}
                </td>
                <td>{period(r.days)}</td>
                <td>
                  {r.job ? <code>{r.job}</code> : "none"}
                  {r.schedule && (
                    <>
                      <br />
                      <span class="muted">
                        cron <code>{r.schedule}</code>
                      </span>
                    </>
                  )}
                  {r.job && !r.schedule && (
                    <>
                      <br />
                      <span class="muted">not scheduled</span>
                    </>
                  )}
                </td>
                <td>{when(r.lastRun) ?? <span class="muted">not yet</span>}</td>
                <td>{when(r.nextRun) ?? <span class="muted">none</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
