import { inTransaction, systemCtx } from "../../../src/domain/context.ts";
import type { IsolationModule } from "./module.ts";

/** The API key pages' routes with ids (the API itself has its own table: test/routes/api/isolation.test.ts). */
export const apiIsolation: IsolationModule = {
  routes: {
    "POST /t/:slug/settings/api-keys/:id/revocation": { ids: (s) => ({ id: s.apiKeyId! }) },
  },
  seed: async (t, tenantId, marker) => {
    const id = Bun.randomUUIDv7();
    await inTransaction(systemCtx(t.db.app, new Date(), tenantId), (ctx) =>
      ctx.db
        .insertInto("api_keys")
        .values({ tenant_id: tenantId, id, name: `Key ${marker}`, prefix: "stw_abcdefgh", secret_hash: crypto.randomUUID().replaceAll("-", "").padEnd(64, "0"), scopes: ["read"], created_at: ctx.now })
        .execute(),
    );
    return { apiKeyId: id };
  },
  snapshot: async (t, seeded) => t.su`select name, revoked_at from api_keys where id = ${seeded.apiKeyId!}`,
};
