import { Layout, type SignedIn } from "./layout.tsx";

export interface ErrorInfo {
  status: number;
  title: string;
  message: string;
  requestId: string;
}

/** The fragment form, for htmx partial requests (htmx 4 swaps 4xx/5xx responses). */
export function ErrorPanel({ status, title, message, requestId }: ErrorInfo) {
  return (
    <section class="error-panel" role="alert" aria-labelledby="error-title">
      <h1 id="error-title">{title}</h1>
      <p>{message}</p>
      <p class="muted">
        Error {status} · request id <code>{requestId}</code>
      </p>
    </section>
  );
}

export function ErrorPage({ user, ...info }: ErrorInfo & { user?: SignedIn | null }) {
  return (
    <Layout title={info.title} user={user}>
      <ErrorPanel {...info} />
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </Layout>
  );
}
