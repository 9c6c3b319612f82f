import type { Child } from "hono/jsx";

export interface EmailTemplate {
  subject: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Why the recipient got this, shown small at the end. Transactional mail only (P19). */
  reason: string;
}

const wrap = { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", maxWidth: "560px", margin: "0 auto", padding: "24px", color: "#1f2933" };

/** Renders an email as HTML (escaped by JSX) and plain text with the same words. */
export function renderEmail(t: EmailTemplate): { subject: string; html: string; text: string } {
  const body: Child = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{t.subject}</title>
      </head>
      <body>
        <div style={wrap}>
          <h1 style={{ fontSize: "20px" }}>{t.heading}</h1>
          {t.paragraphs.map((p) => (
            <p>{p}</p>
          ))}
          {t.action && (
            <p>
              <a href={t.action.url} style={{ background: "#1d4ed8", color: "#fff", padding: "10px 16px", borderRadius: "6px", textDecoration: "none" }}>
                {t.action.label}
              </a>
            </p>
          )}
          <p style={{ fontSize: "12px", color: "#52606d" }}>{t.reason}</p>
        </div>
      </body>
    </html>
  );
  const text = [t.heading, "", ...t.paragraphs.flatMap((p) => [p, ""]), ...(t.action ? [`${t.action.label}: ${t.action.url}`, ""] : []), "--", t.reason].join("\n");
  return { subject: t.subject, html: "<!DOCTYPE html>" + body.toString(), text };
}
