import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { notFound, onError } from "./routes/errors.tsx";
import { compress } from "./routes/middleware/compress.ts";
import { requestContext } from "./routes/middleware/request.ts";
import { httpsRedirect, originCheck, securityHeaders } from "./routes/middleware/security.ts";
import { devMailRoutes } from "./routes/dev-mail.tsx";
import { healthRoutes } from "./routes/health.ts";
import { homeRoutes } from "./routes/home.tsx";
import { authRoutes } from "./routes/auth.tsx";
import { workspaceRoutes } from "./routes/workspaces.tsx";
import { passwordResetRoutes } from "./routes/password-reset.tsx";
import { profileRoutes } from "./routes/profile.tsx";
import { membersRoutes } from "./routes/members.tsx";
import { settingsRoutes } from "./routes/settings.tsx";
import { lifecycleRoutes } from "./routes/lifecycle.tsx";
import { billingRoutes } from "./routes/billing.tsx";
import { auditRoutes } from "./routes/audit.tsx";
import { signupValidationRoutes } from "./routes/signup-validation.tsx";
import { crmRoutes } from "./routes/crm/index.ts";
import { capacityRoutes } from "./routes/capacity/index.ts";
import { crewsRoutes } from "./routes/crews/index.ts";
import { apiRoutes } from "./routes/api/index.tsx";
import { apiKeysRoutes } from "./routes/api-keys.tsx";
import { leadFormsRoutes, publicFormRoutes } from "./routes/leadforms/index.ts";
import { messagingRoutes } from "./routes/messaging/index.tsx";
import { hookRoutes } from "./routes/messaging/hooks.ts";
import { webhooksRoutes } from "./routes/webhooks/webhooks.tsx";
import { exportsRoutes as privacyExportsRoutes } from "./routes/privacy/exports.tsx";
import { requestsRoutes as privacyRequestsRoutes } from "./routes/privacy/requests.tsx";
import { sessionMiddleware } from "./routes/middleware/session.ts";
import { tenantMiddleware } from "./routes/middleware/tenant.ts";
import { staticRoutes } from "./routes/static.ts";
import type { AppDeps, AppEnv } from "./routes/types.ts";
import { HTTPException } from "hono/http-exception";

export type { AppDeps } from "./routes/types.ts";

/** The whole HTTP application. Middleware order matters: see design.md, "A request, end to end". */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  // Outermost first: the log line and the headers must see the final response, errors included.
  app.use(requestContext());
  app.use(compress());
  app.use(securityHeaders());
  app.use(httpsRedirect());
  // The REST API authenticates with bearer credentials, not the cookie: no Origin check, session or HTML errors.
  app.route("/api/v1", apiRoutes());
  app.use(originCheck());
  // Request bodies are capped: 1 MB for forms, the attachment cap (plus room for the multipart envelope) for uploads.
  const formLimit = bodyLimitOf(1024 * 1024, "That request is too large (the limit is 1 MB).");
  const uploadLimit = bodyLimitOf(deps.config.ATTACHMENT_MAX_MB * 1024 * 1024 + 64 * 1024, `That file is too large (the limit is ${deps.config.ATTACHMENT_MAX_MB} MB).`);
  const importLimit = bodyLimitOf(50 * 1024 * 1024 + 64 * 1024, "That file is too large (the limit is 50 MB).");
  app.use((c, next) => (IMPORT_PATH.test(c.req.path) ? importLimit : UPLOAD_PATH.test(c.req.path) ? uploadLimit : formLimit)(c, next));

  app.route("/", staticRoutes);
  app.route("/", healthRoutes);
  // Public lead forms (P25) come before the session: a visitor's page never reads or sets a cookie.
  app.route("/", publicFormRoutes);
  app.use(sessionMiddleware());
  // Every /t/:slug route runs inside its workspace: c.var.membership is set, non-members get 404.
  app.use("/t/:slug", tenantMiddleware());
  app.use("/t/:slug/*", tenantMiddleware());
  app.route("/", homeRoutes);
  app.route("/", authRoutes);
  app.route("/", signupValidationRoutes);
  app.route("/", workspaceRoutes);
  app.route("/", passwordResetRoutes);
  app.route("/", profileRoutes);
  app.route("/", membersRoutes);
  app.route("/", settingsRoutes);
  app.route("/", apiKeysRoutes);
  app.route("/", lifecycleRoutes);
  app.route("/", billingRoutes);
  app.route("/", auditRoutes);
  app.route("/t/:slug/crm", crmRoutes);
  app.route("/t/:slug/crm", leadFormsRoutes);
  app.route("/t/:slug/capacity", capacityRoutes);
  app.route("/t/:slug/crews", crewsRoutes);
  app.route("/t/:slug/messaging", messagingRoutes);
  app.route("/", hookRoutes);
  app.route("/t/:slug/settings/webhooks", webhooksRoutes);
  app.route("/", privacyExportsRoutes);
  app.route("/", privacyRequestsRoutes);
  if (!deps.config.production) app.route("/", devMailRoutes);

  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;

const UPLOAD_PATH = /^\/t\/[^/]+\/crm\/[a-z]+\/[^/]+\/attachments$/;
// CSV imports: /t/<slug>/crm/imports, /t/<slug>/capacity/programs/<id>/imports and the like.
const IMPORT_PATH = /^\/t\/[^/]+\/(crm|capacity|crews)(\/[^/]+)*\/imports$/;

function bodyLimitOf(maxSize: number, message: string) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new HTTPException(413, { message });
    },
  });
}
