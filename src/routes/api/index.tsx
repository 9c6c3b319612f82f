import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../types.ts";
import { API_BODY_LIMIT } from "./limits-config.ts";
import { openApiDocument } from "./openapi.ts";
import { ApiReferencePage } from "../../views/api-reference.tsx";
import { page } from "../render.tsx";
import { bearerAuth } from "./auth.ts";
import { apiRateLimit, idempotency } from "./limits.ts";
import type { ApiEnv } from "./context.ts";
import { companies, contacts } from "./crm-records.ts";
import { deals, leads, pipelines } from "./crm-deals.ts";
import { activities, customFieldDefinitions, notes, tasks } from "./crm-items.ts";
import { apiError, problem } from "./problem.ts";
import { resourceRoutes, type Resource } from "./resource.ts";
import { tokenRoutes } from "./tokens.ts";
import { stageRoutes } from "./stages.ts";

// The REST API under /api/v1 (issue 9). Mounted before the session, CSRF and HTML body-limit middleware: it
// reads no cookie and answers every error as application/problem+json.


/** Every CRM resource the API serves; the OpenAPI document and the cross-tenant test walk this list. */
export const API_RESOURCES: Resource[] = [companies, contacts, leads, deals, pipelines, activities, tasks, notes, customFieldDefinitions];

export function apiRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.onError(apiError);
  api.use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: (c) => problem(c, 413, `The request body is too large (the limit is ${API_BODY_LIMIT / 1024} KB).`),
    }),
  );
  api.route("/", tokenRoutes);
  // The document and its reference page are public: they describe the API, not any workspace.
  let doc: Record<string, unknown> | null = null;
  const document = (baseUrl: string) => (doc ??= openApiDocument(API_RESOURCES, baseUrl));
  api.get("/openapi.json", (c) => c.json(document(c.var.deps.config.publicUrl)));
  api.get("/reference", (c) => page(c, <ApiReferencePage doc={document(c.var.deps.config.publicUrl)} />));
  const authed = new Hono<ApiEnv>();
  authed.use(bearerAuth(), apiRateLimit(), idempotency());
  for (const r of API_RESOURCES) authed.route("/", resourceRoutes(r));
  authed.route("/", stageRoutes);
  api.route("/", authed as unknown as Hono<AppEnv>);
  api.all("*", (c) => problem(c, 404, "There is no API resource at this address."));
  return api;
}
