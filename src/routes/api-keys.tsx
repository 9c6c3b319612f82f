import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { createApiKey, listApiKeys, revokeApiKey } from "../domain/api/keys.ts";
import { Invalid } from "../domain/errors.ts";
import { authorize } from "../domain/tenancy/permissions.ts";
import { ApiKeysPage, type ApiKeysPageProps } from "../views/api-keys.tsx";
import { requestCtx } from "./context.ts";
import { formValues } from "./forms.ts";
import { flashFrom, page } from "./render.tsx";
import type { AppEnv } from "./types.ts";

// Admins' API key management (issue 9 item 2): create (the key is in this one response), list, revoke.

const DONE = { revoked: "Key revoked: it no longer works." };

async function render(c: Context<AppEnv>, props: Partial<ApiKeysPageProps> = {}, status: ContentfulStatusCode = 200) {
  const keys = await listApiKeys(requestCtx(c));
  c.header("cache-control", "no-store");
  return page(c, <ApiKeysPage userName={c.var.user!.name} membership={c.var.membership} keys={keys} flash={flashFrom(c, DONE)} {...props} />, status);
}

export const apiKeysRoutes = new Hono<AppEnv>()
  .get("/t/:slug/settings/api-keys", (c) => render(c))
  .post("/t/:slug/settings/api-keys", async (c) => {
    authorize(requestCtx(c), "settings.manage");
    const values = await formValues(c);
    try {
      const created = await createApiKey(requestCtx(c), values);
      return render(c, { created: { name: values.name!.trim(), key: created.key } }, 201);
    } catch (err) {
      if (err instanceof Invalid) return render(c, { values, errors: err.fieldErrors }, 422);
      throw err;
    }
  })
  .post("/t/:slug/settings/api-keys/:id/revocation", async (c) => {
    await revokeApiKey(requestCtx(c), c.req.param("id"));
    return c.redirect(`/t/${c.var.membership.slug}/settings/api-keys?done=revoked`, 303);
  });
