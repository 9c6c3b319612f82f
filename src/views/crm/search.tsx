import type { SearchHit } from "../../domain/crm/search.ts";
import { Layout, type SignedIn } from "../layout.tsx";

const KIND_LABELS: Record<SearchHit["kind"], string> = { contacts: "Contact", companies: "Company", leads: "Lead", deals: "Deal" };

/** The search box: a GET form that works without JavaScript; with htmx it searches as you type. */
export function SearchBox({ slug, q }: { slug: string; q: string }) {
  return (
    <form method="get" action={`/t/${slug}/crm/search`} role="search" class="search">
      <label for="global-q">Search the CRM</label>
      <input
        id="global-q"
        type="search"
        name="q"
        value={q}
        maxlength={200}
        placeholder="Name, email or phone"
        autocomplete="off"
        hx-get={`/t/${slug}/crm/search`}
        hx-trigger="input changed delay:300ms, search"
        hx-target="#search-results"
        hx-swap="outerHTML"
        hx-push-url="true"
      />
      <button type="submit">Search</button>
    </form>
  );
}

export function SearchResults({ slug, q, hits }: { slug: string; q: string; hits: SearchHit[] }) {
  return (
    <div id="search-results" aria-live="polite">
      {q.trim() === "" ? null : hits.length === 0 ? (
        <p>Nothing matches “{q}”.</p>
      ) : (
        <ul class="results">
          {hits.map((h) => (
            <li>
              <span class="badge">{KIND_LABELS[h.kind]}</span> <a href={`/t/${slug}/crm/${h.kind}/${h.id}`}>{h.title || "(no name)"}</a>
              {h.detail && <span class="muted"> · {h.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SearchPage({ user, slug, q, hits }: { user: SignedIn; slug: string; q: string; hits: SearchHit[] }) {
  return (
    <Layout title="Search" user={user}>
      <h1>Search</h1>
      <SearchBox slug={slug} q={q} />
      <SearchResults slug={slug} q={q} hits={hits} />
    </Layout>
  );
}
