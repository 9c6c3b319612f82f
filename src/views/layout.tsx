import type { Child } from "hono/jsx";
import { assetUrl } from "../assets.ts";
import type { Role } from "../domain/schema.ts";
import type { WorkspaceLifecycle } from "../domain/tenancy/lifecycle-tables.ts";
import { LifecycleBanner } from "./lifecycle-banner.tsx";

export interface Flash {
  kind: "ok" | "bad";
  message: string;
}

export interface SignedIn {
  name: string;
  /** The workspace being viewed, if any, with the viewer's role in it. */
  workspace?: { name: string; slug: string; role?: Role; lifecycle?: WorkspaceLifecycle } | null;
}

export interface LayoutProps {
  title: string;
  children?: Child;
  flash?: Flash | null;
  /** Signed-in navigation instead of the sign-in links. */
  user?: SignedIn | null;
}

const signedOutNav = [
  { href: "/signin", label: "Sign in" },
  { href: "/signup", label: "Sign up" },
];

/** The whole page: doctype is added by the route's renderer. Scripts are deferred: pages work before they run. */
export function Layout({ title, children, flash, user }: LayoutProps) {
  const ws = user?.workspace;
  const nav = !user
    ? signedOutNav
    : ws
      ? [
          { href: `/t/${ws.slug}`, label: ws.name },
          { href: `/t/${ws.slug}/capacity`, label: "Capacity" },
          { href: `/t/${ws.slug}/crews/schedule`, label: "Crews" },
          { href: `/t/${ws.slug}/crm/contacts`, label: "CRM" },
          { href: `/t/${ws.slug}/crm/tasks`, label: "My tasks" },
          { href: `/t/${ws.slug}/crm/search`, label: "Search" },
          // The roles with "privacy.manage" (src/domain/tenancy/permissions.ts) work the request queue.
          ...(ws.role === "owner" || ws.role === "privacy" ? [{ href: `/t/${ws.slug}/privacy/requests`, label: "Privacy" }] : []),
          { href: `/t/${ws.slug}/members`, label: "Members" },
          { href: `/t/${ws.slug}/settings`, label: "Settings" },
          { href: "/workspaces", label: "Switch" },
          { href: "/profile", label: user.name },
        ]
      : [
          { href: "/workspaces", label: "Workspaces" },
          { href: "/profile", label: user.name },
        ];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Steward`}</title>
        <link rel="stylesheet" href={assetUrl("app.css")} />
        <link rel="icon" href={assetUrl("favicon.svg")} type="image/svg+xml" />
        <script src={assetUrl("htmx.js")} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <nav aria-label="Main">
            <a class="brand" href="/">
              Steward
            </a>
            {nav.map((l) => (
              <a href={l.href}>{l.label}</a>
            ))}
            {user && (
              <form method="post" action="/signout" class="inline">
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            )}
          </nav>
        </header>
        {ws && <LifecycleBanner lifecycle={ws.lifecycle} slug={ws.slug} role={ws.role} />}
        <FlashArea flash={flash} />
        <main id="main">{children}</main>
        <footer>Steward: capacity planning, crews and CRM for small teams, with privacy built in.</footer>
      </body>
    </html>
  );
}

/** Messages after an action. A live region, so screen readers hear what changed; fragments may replace it. */
export function FlashArea({ flash }: { flash?: Flash | null }) {
  return (
    <div id="flash" role="status" aria-live="polite">
      {flash && <p class={`flash ${flash.kind}`}>{flash.message}</p>}
    </div>
  );
}
