import type { Context } from "hono";
import { can } from "../../domain/tenancy/permissions.ts";
import type { Shell } from "../../views/capacity/plans-ui.tsx";
import { requestCtx } from "../context.ts";
import type { AppEnv } from "../types.ts";

export type C = Context<AppEnv>;

export const shell = (c: C): Shell => ({ userName: c.var.user!.name, workspace: c.var.membership });
export const base = (c: C) => `/t/${c.var.membership.slug}/capacity`;
export const canEdit = (c: C) => can(requestCtx(c).actor?.role, "records.edit");
