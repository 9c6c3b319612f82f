import { z } from "zod";
import { jsonInputSchema } from "../../domain/api/json-forms.ts";
import { TokenRequestSchema, TokenResponseSchema } from "../../domain/api/tokens.ts";
import { API_BODY_LIMIT } from "./limits-config.ts";
import { DEFAULT_LIMIT, MAX_LIMIT, type Resource } from "./resource.ts";
import { StageCreateSchema } from "./stages.ts";

// The OpenAPI 3.1 document, generated from the resource table and the zod schemas (the forms' schemas for request
// bodies, the views' schemas for responses). Nothing here is written by hand per route, so the document cannot
// drift from what is served; test/routes/api/contract.test.ts walks it against the running app.

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: "input" | "output" = "output"): Json => {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
  return rest;
};

const pascal = (s: string) => s.replace(/(^|[\s-])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());

/** A query parameter's schema without its null (absent is how a query says "no filter"). */
function queryParamSchema(s: Json): Json {
  if (Array.isArray(s.anyOf)) {
    const rest = (s.anyOf as Json[]).filter((x) => x.type !== "null");
    return rest.length === 1 ? rest[0]! : { anyOf: rest };
  }
  if (Array.isArray(s.type)) return { ...s, type: (s.type as string[]).filter((t) => t !== "null")[0] };
  return s;
}

const problemRef = { $ref: "#/components/schemas/Problem" };
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: problemRef } } });
const rateHeaders = {
  RateLimit: { $ref: "#/components/headers/RateLimit" },
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimit-Policy" },
};
const errors = (...codes: number[]) => {
  const texts: Record<number, string> = {
    401: "No valid credential (unknown, revoked or expired).",
    403: "The credential's role may not do this, or the workspace is read-only.",
    404: "No such record in this workspace.",
    409: "Conflict (a duplicate, or an Idempotency-Key still in progress).",
    413: `Body larger than ${API_BODY_LIMIT / 1024} KB.`,
    422: "Invalid input: `errors` lists { field, message }.",
    429: "Rate limit reached: see Retry-After.",
  };
  return Object.fromEntries(codes.map((c) => [String(c), problem(texts[c]!)]));
};

export function openApiDocument(resources: Resource[], baseUrl: string): Json {
  const schemas: Json = {
    Problem: {
      type: "object",
      description: "RFC 9457 problem details.",
      properties: {
        type: { type: "string" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        instance: { type: "string" },
        errors: { type: "array", items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" } }, required: ["field", "message"] } },
      },
      required: ["type", "title", "status", "detail"],
    },
    TokenRequest: schemaOf(TokenRequestSchema, "input"),
    TokenResponse: schemaOf(TokenResponseSchema),
  };
  const paths: Json = {
    "/auth/token": {
      post: {
        operationId: "createToken",
        tags: ["auth"],
        summary: "Exchange email, password and workspace (grant_type password), or a refresh token (grant_type refresh_token), for a 15-minute access token and a new refresh token.",
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/TokenRequest" } } } },
        responses: { "200": { description: "Tokens.", content: { "application/json": { schema: { $ref: "#/components/schemas/TokenResponse" } } } }, ...errors(401, 422, 429) },
      },
    },
  };
  for (const r of resources) {
    const name = pascal(r.noun);
    const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
    schemas[name] = schemaOf(r.item);
    schemas[`${name}Row`] = schemaOf(r.row);
    schemas[`${name}Create`] = jsonInputSchema(r.form, "create");
    if (r.update) schemas[`${name}Update`] = jsonInputSchema(r.patch ?? r.form, "update");
    schemas[`${name}Page`] = { type: "object", properties: { data: { type: "array", items: ref(`${name}Row`) }, next_cursor: { type: ["string", "null"], description: "Pass as `cursor` for the next page; null on the last." } }, required: ["data", "next_cursor"] };
    const filters = (schemaOf(r.filters, "input").properties ?? {}) as Record<string, Json>;
    const parameters = [
      { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
      { name: "cursor", in: "query", schema: { type: "string" }, description: "The next_cursor of the previous page." },
      ...Object.entries(filters)
        .filter(([k]) => k !== "after" && k !== "cursor")
        .map(([k, s]) => ({ name: k, in: "query", schema: queryParamSchema(s) })),
      ...(r.object ? [{ name: "cf_{key}", in: "query", schema: { type: "string" }, description: "Filter by a select, multi-select or checkbox custom field, e.g. cf_region=North." }] : []),
    ];
    const item = { description: `The ${r.noun}.`, headers: rateHeaders, content: { "application/json": { schema: ref(name) } } };
    const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
    paths[`/${r.path}`] = {
      get: { operationId: `list${pascal(r.path)}`, tags: [r.path], summary: `List ${r.path}, a page at a time.`, parameters, responses: { "200": { description: "A page.", headers: rateHeaders, content: { "application/json": { schema: ref(`${name}Page`) } } }, ...errors(401, 422, 429) } },
      post: {
        operationId: `create${name}`,
        tags: [r.path],
        summary: `Create a ${r.noun}.`,
        parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 255 }, description: "Repeat a POST with the same key to get the first response again instead of a second record (24 hours)." }],
        requestBody: { required: true, content: { "application/json": { schema: ref(`${name}Create`) } } },
        responses: { "201": { ...item, headers: { ...rateHeaders, Location: { schema: { type: "string" } } } }, ...errors(401, 403, 404, 409, 413, 422, 429) },
      },
    };
    const one: Json = { parameters: [idParam], get: { operationId: `get${name}`, tags: [r.path], summary: `Get a ${r.noun}.`, responses: { "200": item, ...errors(401, 404, 429) } } };
    if (r.update) one.patch = { operationId: `update${name}`, tags: [r.path], summary: `Change some fields of a ${r.noun}; the others keep their values.`, requestBody: { required: true, content: { "application/json": { schema: ref(`${name}Update`) } } }, responses: { "200": item, ...errors(401, 403, 404, 413, 422, 429) } };
    if (r.remove) one.delete = { operationId: `delete${name}`, tags: [r.path], summary: `Delete a ${r.noun}.`, responses: { "204": { description: "Deleted.", headers: rateHeaders }, ...errors(401, 403, 404, 429) } };
    paths[`/${r.path}/{id}`] = one;
  }
  if (resources.some((r) => r.path === "pipelines")) {
    schemas.StageCreate = schemaOf(StageCreateSchema, "input");
    const pipeline = { description: "The pipeline with its stages.", headers: rateHeaders, content: { "application/json": { schema: { $ref: "#/components/schemas/Pipeline" } } } };
    const pid = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
    paths["/pipelines/{id}/stages"] = {
      parameters: [pid],
      post: { operationId: "createStage", tags: ["pipelines"], summary: "Add a stage at the end of the pipeline.", requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/StageCreate" } } } }, responses: { "201": pipeline, ...errors(401, 403, 404, 413, 422, 429) } },
    };
    paths["/pipelines/{id}/stages/{stage_id}"] = {
      parameters: [pid, { name: "stage_id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
      delete: { operationId: "deleteStage", tags: ["pipelines"], summary: "Remove a stage that holds no deal (409 otherwise).", responses: { "204": { description: "Removed.", headers: rateHeaders }, ...errors(401, 403, 404, 409, 429) } },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Steward REST API",
      version: "1",
      description: "The CRM of one workspace. Authenticate with an API key (workspace settings → API keys) or an access token from /auth/token, as `Authorization: Bearer …`. Errors are application/problem+json.",
    },
    servers: [{ url: `${baseUrl}/api/v1` }],
    security: [{ bearer: [] }],
    tags: [{ name: "auth" }, ...resources.map((r) => ({ name: r.path }))],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key (stw_…) or an access token (JWT)." } },
      headers: {
        RateLimit: { schema: { type: "string" }, description: 'Remaining requests and seconds to reset, e.g. "default";r=599;t=42.' },
        "RateLimit-Policy": { schema: { type: "string" }, description: 'The quota and window, e.g. "default";q=600;w=60.' },
      },
      schemas,
    },
  };
}
