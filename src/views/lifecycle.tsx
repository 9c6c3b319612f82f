import type { FieldErrors } from "../domain/errors.ts";
import type { LifecycleOverview } from "../domain/tenancy/lifecycle.ts";
import type { SubscriptionStatus } from "../domain/tenancy/lifecycle-tables.ts";
import type { Membership } from "../domain/tenancy/workspaces.ts";
import { Field, FormErrors } from "./components.tsx";
import { Layout } from "./layout.tsx";

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

const SUBSCRIPTION: Record<SubscriptionStatus, string> = {
  active: "Active",
  past_due: "Payment overdue: the payment processor is retrying",
  lapsed: "Lapsed",
  cancelled: "Ended",
};

/** The owners' part of Settings (P16, P20): the subscription as Steward knows it, and cancel or reactivate. */
export function LifecycleSection({ slug, overview }: { slug: string; overview: LifecycleOverview }) {
  const { lifecycle: lc, billing } = overview;
  return (
    <section aria-labelledby="lifecycle-h" id="lifecycle">
      <h2 id="lifecycle-h">Subscription and cancellation</h2>
      {billing ? (
        <p>
          Subscription: {SUBSCRIPTION[billing.status]}
          {billing.cardLast4 && `; card ending ${billing.cardLast4}`}
          {billing.periodEnd && `; current period ends ${day(billing.periodEnd)}`}. Steward keeps only the payment processor's customer id, these four
          digits and the status.
        </p>
      ) : (
        <p>No subscription is linked to this workspace.</p>
      )}
      {lc.status === "active" && (
        <p>
          Cancelling makes the workspace read-only at once and deletes all of its data 30 days later; until then an owner can reactivate it.{" "}
          <a href={`/t/${slug}/cancellation`}>Cancel the workspace</a>
        </p>
      )}
      {lc.status === "cancelled" && (
        <p>
          Cancelled on {day(lc.cancelledAt)}; all data will be deleted on {day(lc.purgeAfter)}. <a href={`/t/${slug}/reactivation`}>Reactivate the workspace</a>
        </p>
      )}
      {lc.status === "suspended" && <p>Suspended since {day(lc.suspendedAt)} because the subscription lapsed; it becomes active again as soon as a payment goes through, until {day(lc.purgeAfter)}.</p>}
    </section>
  );
}

interface ConfirmProps {
  userName: string;
  membership: Membership;
  errors?: FieldErrors;
}

/** P16: an owner confirms the cancellation with their password. */
export function CancelPage({ userName, membership, errors }: ConfirmProps) {
  return (
    <Layout title="Cancel the workspace" user={{ name: userName, workspace: membership }}>
      <h1>Cancel {membership.name}?</h1>
      <p class="lead">
        The workspace becomes read-only at once for every member: everything can still be seen and exported, nothing can be changed. After 30 days all of its data is permanently
        deleted. Until then any owner can reactivate it from Settings. Every member gets an email with the date.
      </p>
      <form method="post" action={`/t/${membership.slug}/cancellation`} class="form narrow" novalidate>
        <FormErrors errors={errors} />
        <Field name="password" label="Your password, to confirm" type="password" errors={errors} autocomplete="current-password" />
        <button type="submit">Cancel the workspace</button>
      </form>
      <p>
        <a href={`/t/${membership.slug}/settings`}>Keep the workspace</a>
      </p>
    </Layout>
  );
}

/** P16: an owner takes the cancellation back within the 30 days. */
export function ReactivatePage({ userName, membership, errors }: ConfirmProps) {
  const lc = membership.lifecycle;
  return (
    <Layout title="Reactivate the workspace" user={{ name: userName, workspace: membership }}>
      <h1>Reactivate {membership.name}?</h1>
      <p class="lead">
        {lc?.status === "cancelled"
          ? `The deletion planned for ${day(lc.purgeAfter)} is called off and everyone can work in the workspace again.`
          : "This workspace is not cancelled, so there is nothing to reactivate."}
      </p>
      {lc?.status === "cancelled" && (
        <form method="post" action={`/t/${membership.slug}/reactivation`} class="form narrow" novalidate>
          <FormErrors errors={errors} />
          <Field name="password" label="Your password, to confirm" type="password" errors={errors} autocomplete="current-password" />
          <button type="submit">Reactivate the workspace</button>
        </form>
      )}
    </Layout>
  );
}
