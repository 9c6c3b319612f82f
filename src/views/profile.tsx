import type { FieldErrors } from "../domain/errors.ts";
import type { ExportSummary } from "../domain/privacy/exports.ts";
import { Field, FormErrors } from "./components.tsx";
import { MyDataSection } from "./privacy/exports.tsx";
import { Layout, type Flash } from "./layout.tsx";

export interface SessionRow {
  id: string;
  created_at: Date;
  last_seen_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/** Which of the profile's forms failed, with what was typed (never passwords). */
export interface ProfileFormState {
  form: "name" | "email" | "password";
  errors: FieldErrors;
  values: Record<string, string>;
}

export interface ProfileProps {
  user: { name: string; email: string };
  sessions: SessionRow[];
  currentSessionId: string;
  flash?: Flash | null;
  failed?: ProfileFormState | null;
  /** P12: the user's recent personal-data exports, for the "My data" section. */
  dataExports?: ExportSummary[];
}

/** "Firefox on Windows" from a user agent string: enough to recognise a device, without a parser library. */
export function deviceLabel(ua: string | null): string {
  if (!ua) return "Unknown device";
  const browser = (
    [
      [/Edg(e|A|iOS)?\//, "Edge"],
      [/OPR\/|Opera/, "Opera"],
      [/Firefox\/|FxiOS/, "Firefox"],
      [/Chrome\/|CriOS/, "Chrome"],
      [/Safari\//, "Safari"],
      [/curl\//, "curl"],
    ] as const
  ).find(([re]) => re.test(ua))?.[1];
  const os = (
    [
      [/Android/, "Android"],
      [/iPhone|iPad|iPod/, "iOS"],
      [/Windows/, "Windows"],
      [/Mac OS X|Macintosh/, "macOS"],
      [/CrOS/, "ChromeOS"],
      [/Linux/, "Linux"],
    ] as const
  ).find(([re]) => re.test(ua))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 60);
}

const SHOWN_SESSIONS = 50;

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

export function ProfilePage({ user, sessions, currentSessionId, flash, failed, dataExports = [] }: ProfileProps) {
  const errorsFor = (form: ProfileFormState["form"]) => (failed?.form === form ? failed.errors : undefined);
  const valueOf = (form: ProfileFormState["form"], field: string, fallback?: string) => (failed?.form === form ? failed.values[field] : fallback);
  const others = sessions.filter((s) => s.id !== currentSessionId).length;
  return (
    <Layout title="Your profile" user={{ name: user.name }} flash={flash}>
      <h1>Your profile</h1>
      <p class="lead">Your name, email and password, and where you are signed in. You can correct any of them at any time.</p>

      <div class="grid">
        <section class="card" aria-labelledby="name-h">
          <h2 id="name-h">Name</h2>
          <form method="post" action="/profile" class="form" novalidate>
            <FormErrors errors={errorsFor("name")} />
            <Field name="name" label="Your name" value={valueOf("name", "name", user.name)} errors={errorsFor("name")} autocomplete="name" maxlength={200} />
            <button type="submit">Save name</button>
          </form>
        </section>

        <section class="card" aria-labelledby="email-h">
          <h2 id="email-h">Email</h2>
          <p>
            You sign in with <strong>{user.email}</strong>. To change it, we send a link to the new address; the change happens when you open it.
          </p>
          <form method="post" action="/profile/email" class="form" novalidate>
            <FormErrors errors={errorsFor("email")} />
            <Field name="email" label="New email" type="email" value={valueOf("email", "email")} errors={errorsFor("email")} autocomplete="email" maxlength={320} />
            <Field name="password" label="Your current password" type="password" errors={errorsFor("email")} autocomplete="current-password" maxlength={1024} />
            <button type="submit">Send confirmation link</button>
          </form>
        </section>

        <section class="card" aria-labelledby="password-h">
          <h2 id="password-h">Password</h2>
          <form method="post" action="/profile/password" class="form" novalidate>
            <FormErrors errors={errorsFor("password")} />
            <Field name="current_password" label="Current password" type="password" errors={errorsFor("password")} autocomplete="current-password" maxlength={1024} />
            <Field
              name="new_password"
              label="New password"
              type="password"
              errors={errorsFor("password")}
              autocomplete="new-password"
              minlength={10}
              maxlength={256}
              hint="At least 10 characters, not one of your last 5 passwords. Saving it signs out your other devices."
            />
            <button type="submit">Change password</button>
          </form>
        </section>
      </div>

      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">Where you're signed in</h2>
        <div class="table-wrap" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
                <th scope="col">Last seen</th>
                <th scope="col">Signed in</th>
              </tr>
            </thead>
            <tbody>
              {sessions.slice(0, SHOWN_SESSIONS).map((s) => (
                <tr>
                  <td>
                    <span title={s.user_agent ?? undefined}>{deviceLabel(s.user_agent)}</span>
                    {s.id === currentSessionId && (
                      <>
                        {" "}
                        <span class="badge ok">this device</span>
                      </>
                    )}
                  </td>
                  <td>{s.ip ?? "unknown"}</td>
                  <td>{when(s.last_seen_at)}</td>
                  <td>{when(s.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {sessions.length > SHOWN_SESSIONS && <p class="muted">And {sessions.length - SHOWN_SESSIONS} older sessions.</p>}
        {others > 0 ? (
          <form method="post" action="/profile/sessions/others">
            <button type="submit">Sign out everywhere else ({others})</button>
          </form>
        ) : (
          <p class="muted">You are signed in on this device only.</p>
        )}
      </section>

      <MyDataSection rows={dataExports} />

      <section aria-labelledby="deletion-h">
        <h2 id="deletion-h">Delete your account</h2>
        <p>
          Sign-in stops at once; your personal data is deleted after a grace period you can cancel from the email. <a href="/profile/deletion">Delete my account</a>
        </p>
      </section>
    </Layout>
  );
}

export function EmailLinkDeadPage({ name }: { name: string }) {
  return (
    <Layout title="This link no longer works" user={{ name }}>
      <div class="narrow">
        <h1>This link no longer works</h1>
        <p class="lead">
          Email confirmation links work once, for 24 hours, for the account that asked. This one has been used, has expired, or belongs to another
          account.
        </p>
        <p>
          <a class="button" href="/profile">
            Back to your profile
          </a>
        </p>
      </div>
    </Layout>
  );
}
