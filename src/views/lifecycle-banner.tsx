import type { Role } from "../domain/schema.ts";
import type { WorkspaceLifecycle } from "../domain/tenancy/lifecycle-tables.ts";

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

/** Why a workspace is read-only and until when, in words: the banner on every page and the 403 on every write. */
export function lifecycleNotice(lc: WorkspaceLifecycle): string {
  switch (lc.status) {
    case "cancelled":
      return `This workspace was cancelled on ${day(lc.cancelledAt)}; it will be deleted on ${day(lc.purgeAfter)}. An owner can reactivate it until then. Until then it is read-only: everything can be seen and exported, nothing changed.`;
    case "suspended":
      return `This workspace is suspended because the subscription lapsed on ${day(lc.suspendedAt)}; it will be deleted on ${day(lc.purgeAfter)} unless a payment goes through before then. Until then it is read-only: everything can be seen and exported, nothing changed.`;
    case "purging":
      return "This workspace is being deleted. Nothing can be changed.";
    default:
      return "";
  }
}

/** The banner on every page of a read-only workspace (P16, P17). */
export function LifecycleBanner({ lifecycle, slug, role }: { lifecycle?: WorkspaceLifecycle; slug: string; role?: Role }) {
  if (!lifecycle || lifecycle.status === "active") return null;
  return (
    <div class={`banner ${lifecycle.status}`} role="status">
      <p>
        {lifecycleNotice(lifecycle)} {role === "owner" && lifecycle.status === "cancelled" && <a href={`/t/${slug}/settings#lifecycle`}>Reactivate it</a>}
      </p>
    </div>
  );
}
