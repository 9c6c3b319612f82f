import { Hono, type Context } from "hono";
import { Invalid, type FieldErrors } from "../../domain/errors.ts";
import { authorize } from "../../domain/tenancy/permissions.ts";
import { listDeliveries, resendDeliveryLater } from "../../domain/webhooks/deliveries.ts";
import { webhookSettings } from "../../domain/webhooks/settings.ts";
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, rotateSecret, updateSubscription } from "../../domain/webhooks/subscriptions.ts";
import type { Flash } from "../../views/layout.tsx";
import { DeliveryRows, SecretPage, WebhookPage, WebhooksPage, subscriptionValues, webhooksBase } from "../../views/webhooks/webhooks.tsx";
import { requestCtx } from "../context.ts";
import { formValues } from "../forms.ts";
import { flashFrom, page, pageOr } from "../render.tsx";
import type { AppEnv } from "../types.ts";

// Admin pages for outbound webhooks (issue 9, item 6), under /t/:slug/settings/webhooks. settings.manage only.

type C = Context<AppEnv>;
const signedIn = (c: C) => ({ name: c.var.user!.name, workspace: c.var.membership });
const DONE = { saved: "Webhook saved.", deleted: "Webhook deleted.", resent: "Delivery queued to be sent again." };
const policy = (c: C) => webhookSettings(c.var.deps.config);

async function listPage(c: C, opts: { values?: Record<string, string>; errors?: FieldErrors } = {}, status: 200 | 422 = 200) {
  const subscriptions = await listSubscriptions(requestCtx(c));
  return page(c, <WebhooksPage user={signedIn(c)} subscriptions={subscriptions} values={opts.values} errors={opts.errors} flash={flashFrom(c, DONE)} />, status);
}

async function subscriptionPage(c: C, id: string, opts: { values?: Record<string, string>; errors?: FieldErrors; flash?: Flash | null } = {}, status: 200 | 422 = 200) {
  const ctx = requestCtx(c);
  const subscription = await getSubscription(ctx, id);
  const before = c.req.query("before") ?? null;
  const deliveries = await listDeliveries(ctx, id, before);
  return pageOr(
    c,
    () => <WebhookPage user={signedIn(c)} subscription={subscription} deliveries={deliveries} paged={!!before} values={opts.values ?? subscriptionValues(subscription)} errors={opts.errors} flash={opts.flash ?? flashFrom(c, DONE)} />,
    () => <DeliveryRows slug={c.var.membership.slug} subscriptionId={id} rows={deliveries.rows} next={deliveries.next} paged={!!before} />,
    status,
  );
}

export const webhooksRoutes = new Hono<AppEnv>()
  .get("/", (c) => listPage(c))
  .post("/", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "settings.manage");
    const values = await formValues(c);
    try {
      const { id, secret } = await createSubscription(ctx, values, policy(c));
      // Answered with the page itself, not a redirect: the secret must not sit in a URL or a later page.
      return page(c, <SecretPage user={signedIn(c)} subscription={await getSubscription(ctx, id)} secret={secret} />, 201);
    } catch (err) {
      if (err instanceof Invalid) return listPage(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .get("/:id", (c) => subscriptionPage(c, c.req.param("id")))
  .post("/:id", async (c) => {
    const ctx = requestCtx(c);
    authorize(ctx, "settings.manage");
    const id = c.req.param("id");
    const values = await formValues(c);
    try {
      await updateSubscription(ctx, id, values, policy(c));
      return c.redirect(`${webhooksBase(c.var.membership.slug)}/${id}?done=saved`, 303);
    } catch (err) {
      if (err instanceof Invalid) return subscriptionPage(c, id, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .post("/:id/secret", async (c) => {
    const ctx = requestCtx(c);
    const id = c.req.param("id");
    const secret = await rotateSecret(ctx, id);
    return page(c, <SecretPage user={signedIn(c)} subscription={await getSubscription(ctx, id)} secret={secret} />);
  })
  .post("/:id/deletion", async (c) => {
    await deleteSubscription(requestCtx(c), c.req.param("id"));
    return c.redirect(`${webhooksBase(c.var.membership.slug)}?done=deleted`, 303);
  })
  .post("/:id/deliveries/:deliveryId/attempts", async (c) => {
    const id = c.req.param("id");
    await resendDeliveryLater(requestCtx(c), id, c.req.param("deliveryId"));
    return c.redirect(`${webhooksBase(c.var.membership.slug)}/${id}?done=resent`, 303);
  });
