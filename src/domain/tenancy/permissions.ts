import type { Ctx } from "../context.ts";
import { Forbidden } from "../errors.ts";
import type { Role } from "../schema.ts";

export const ROLES: Role[] = ["owner", "admin", "member", "viewer", "privacy"];

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  admin: "Admin",
  member: "Member",
  viewer: "Viewer",
  privacy: "Privacy officer",
};

/**
 * The permission matrix: the one place that says who may do what in a workspace. Domain functions enforce it
 * with authorize(); the README shows it; test/domain/permissions.test.ts walks it role by role.
 */
export const PERMISSIONS = {
  "records.view": ["owner", "admin", "member", "viewer", "privacy"],
  "records.edit": ["owner", "admin", "member"],
  "members.view": ["owner", "admin", "member", "viewer", "privacy"],
  "members.manage": ["owner", "admin"],
  "owners.manage": ["owner"],
  "settings.manage": ["owner", "admin"],
  "audit.view": ["owner", "admin", "privacy"],
  "privacy.manage": ["owner", "privacy"],
  "workspace.export": ["owner", "admin"],
  "workspace.lifecycle": ["owner"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_LABELS: Record<Permission, string> = {
  "records.view": "See the workspace's records",
  "records.edit": "Create, change and delete records",
  "members.view": "See who is in the workspace",
  "members.manage": "Invite, remove and change the role of members (not owners)",
  "owners.manage": "Make, demote or remove owners",
  "settings.manage": "Change workspace settings",
  "audit.view": "Browse and download the audit trail",
  "privacy.manage": "Work the privacy request queue",
  "workspace.export": "Export all workspace data",
  "workspace.lifecycle": "Cancel or reactivate the workspace, see its billing",
};

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return !!role && (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Throws Forbidden (403) unless the acting user's role in this workspace allows it. */
export function authorize(ctx: Ctx, permission: Permission): void {
  if (!ctx.tenantId || !can(ctx.actor?.role, permission)) {
    throw new Forbidden("Your role in this workspace doesn't allow that. Ask an admin if you need it.");
  }
}
