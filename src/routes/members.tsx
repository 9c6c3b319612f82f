import { Hono, type Context } from "hono";
import { z } from "zod";
import { LIMITS } from "../domain/auth/rate-limit.ts";
import { Conflict, Invalid } from "../domain/errors.ts";
import { acceptInvitation, AcceptSignupSchema, createInvitation, hasAccount, InvitationSchema, listPendingInvitations, openInvitation, revokeInvitation, signUpToAccept } from "../domain/tenancy/invitations.ts";
import { changeRole, listMembers, removeMember, RoleSchema } from "../domain/tenancy/members.ts";
import { can } from "../domain/tenancy/permissions.ts";
import { membershipBySlug } from "../domain/tenancy/workspaces.ts";
import type { Flash } from "../views/layout.tsx";
import { InvitationGonePage, InvitationPage, MembersPage, type MembersPageProps } from "../views/members.tsx";
import { requestCtx } from "./context.ts";
import { formValues, parseWith } from "./forms.ts";
import { setSessionCookie } from "./middleware/session.ts";
import { overLimit } from "./rate-limit.tsx";
import { page, flashFrom } from "./render.tsx";
import type { AppEnv } from "./types.ts";

type C = Context<AppEnv>;

// After a redirect the page says what happened; only these fixed words, never anything from the request.
const DONE: Record<string, string> = {
  invited: "Invitation sent.",
  revoked: "Invitation revoked.",
  role: "Role changed.",
  removed: "Member removed.",
};

async function membersPage(c: C, extra: Partial<MembersPageProps> = {}, status: 200 | 409 | 422 = 200) {
  const ctx = requestCtx(c);
  const { members, truncated } = await listMembers(ctx);
  const canManage = can(ctx.actor?.role, "members.manage");
  const flash: Flash | null = flashFrom(c, DONE);
  const props: MembersPageProps = {
    userId: c.var.user!.id,
    userName: c.var.user!.name,
    membership: c.var.membership,
    members,
    truncated,
    invitations: canManage ? await listPendingInvitations(ctx) : [],
    canManage,
    canManageOwners: can(ctx.actor?.role, "owners.manage"),
    flash,
    ...extra,
  };
  return page(c, <MembersPage {...props} />, status);
}

const back = (c: C, done: keyof typeof DONE) => c.redirect(`/t/${c.var.membership.slug}/members?done=${done}`, 303);

/** A refused change (last owner) shows the members page with the reason, as 409. */
async function orConflict(c: C, fn: () => Promise<Response>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Conflict) return membersPage(c, { flash: { kind: "bad", message: err.message } }, 409);
    throw err;
  }
}

const RoleForm = z.object({ role: RoleSchema });

export const membersRoutes = new Hono<AppEnv>()
  .get("/t/:slug/members", (c) => membersPage(c))
  .post("/t/:slug/members/invitations", async (c) => {
    const values = await formValues(c);
    try {
      const input = parseWith(InvitationSchema, values);
      await createInvitation(requestCtx(c), input, { baseUrl: c.var.deps.config.publicUrl, workspace: c.var.membership.name });
      return back(c, "invited");
    } catch (err) {
      if (err instanceof Invalid) return membersPage(c, { invite: { values, errors: err.fieldErrors } }, 422);
      throw err;
    }
  })
  .post("/t/:slug/members/invitations/:id/revocation", (c) =>
    orConflict(c, async () => {
      await revokeInvitation(requestCtx(c), c.req.param("id"));
      return back(c, "revoked");
    }),
  )
  .post("/t/:slug/members/:userId/role", (c) =>
    orConflict(c, async () => {
      const userId = c.req.param("userId");
      try {
        const { role } = parseWith(RoleForm, await formValues(c));
        await changeRole(requestCtx(c), userId, role);
        return back(c, "role");
      } catch (err) {
        if (err instanceof Invalid) return membersPage(c, { rowError: { userId, message: err.fieldErrors.role ?? err.message } }, 422);
        throw err;
      }
    }),
  )
  .post("/t/:slug/members/:userId/removal", (c) =>
    orConflict(c, async () => {
      const { self } = await removeMember(requestCtx(c), c.req.param("userId"));
      return self ? c.redirect("/workspaces", 303) : back(c, "removed");
    }),
  )
  .get("/invitations/:token", async (c) => {
    const { deps, user } = c.var;
    const token = c.req.param("token");
    const inv = await openInvitation(deps.db.app, token, deps.now());
    if (!inv) return page(c, <InvitationGonePage userName={user?.name} />, 410);
    if (user && (await membershipBySlug(deps.db.app, user.id, inv.workspace.slug))) return c.redirect(`/t/${inv.workspace.slug}`, 303);
    const accountExists = !user && (await hasAccount(deps.db.app, inv.email));
    return page(c, <InvitationPage inv={inv} token={token} userName={user?.name} accountExists={accountExists} />);
  })
  .post("/invitations/:token", async (c) => {
    const { deps, user } = c.var;
    const token = c.req.param("token");
    const gone = () => page(c, <InvitationGonePage userName={user?.name} />, 410);
    const ctx = requestCtx(c, { tenant: false });
    if (user) {
      const r = await acceptInvitation(ctx, token, user);
      return r.ok ? c.redirect(`/t/${r.slug}`, 303) : gone();
    }
    const limited = await overLimit(c, LIMITS.signup);
    if (limited) return limited;
    const values = await formValues(c);
    try {
      const input = parseWith(AcceptSignupSchema, values);
      const r = await signUpToAccept(ctx, token, input, { lifetimeDays: deps.config.SESSION_DAYS });
      if (!r.ok) return gone();
      setSessionCookie(c, r.token, new Date(deps.now().getTime() + deps.config.SESSION_DAYS * 86_400_000));
      return c.redirect(`/t/${r.slug}`, 303);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const inv = await openInvitation(deps.db.app, token, deps.now());
      if (!inv) return gone();
      const accountExists = await hasAccount(deps.db.app, inv.email);
      return page(c, <InvitationPage inv={inv} token={token} values={values} errors={err.fieldErrors} accountExists={accountExists} />, 422);
    }
  });
