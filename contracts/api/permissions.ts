import { MemberRole } from './access.js';

/**
 * Who may do what. `docs/rbac.md` shows the same matrix as a table; a test walks every cell, so
 * the two cannot drift apart unnoticed.
 */
export const actions = [
  'read',
  'project.create',
  'project.update',
  'project.delete',
  'service.create',
  'service.update',
  'service.delete',
  'server.create',
  'server.update',
  'server.delete',
  'deploy',
  'rollback',
  'scale',
  'restart',
  'exec',
  'secrets.read',
  'env.write',
  'members.read',
  'members.manage',
  'tokens.manage',
  'audit.read',
  'issues.manage',
  'alerts.manage',
  'workflows.manage',
  'workflows.run',
  'ai.use',
  'ai.configure',
] as const;
export type Action = (typeof actions)[number];

/** The roles, from the contract (most powerful first); the database enum `org_role` has the same labels. */
export const roles = MemberRole.options;

/* What only owners and admins may do: delete projects, manage servers and members, read the audit log. */
const adminOnlyActions: ReadonlySet<Action> = new Set<Action>(['project.delete', 'server.create', 'server.update', 'server.delete', 'members.manage', 'audit.read']);

/*
 * Turning the model provider on sends the organization's telemetry to a third party, and its key
 * may be billed: the owners' decision alone.
 */
const ownerOnlyActions: ReadonlySet<Action> = new Set<Action>(['ai.configure']);

/*
 * Owner and admin differ in what the members endpoints let them do to each other (an admin
 * can neither grant nor remove the owner role) and in `ai.configure`. Every role may manage its
 * own API tokens: a token never carries more than its creator's role, so that grants nothing new.
 */
export const permissionMatrix: Record<MemberRole, ReadonlySet<Action>> = {
  owner: new Set(actions),
  admin: new Set(actions.filter((action) => !ownerOnlyActions.has(action))),
  developer: new Set(actions.filter((action) => !adminOnlyActions.has(action) && !ownerOnlyActions.has(action))),
  viewer: new Set<Action>(['read', 'members.read', 'tokens.manage']),
};

/**
 * What a project-scoped token may never do, whatever its creator's role: these act on the whole
 * organization, and such a token is meant to reach one project (CI deploying it).
 */
export const organizationActions: ReadonlySet<Action> = new Set<Action>([
  'project.create',
  'project.delete',
  'server.create',
  'server.update',
  'server.delete',
  'members.read',
  'members.manage',
  'tokens.manage',
  'audit.read',
  'ai.configure',
]);

/** Whether a member of `role` (through a token narrowed to `projectId`, if set) may do `action`. */
export function isAllowed(caller: { role: MemberRole; projectId?: string | undefined }, action: Action): boolean {
  if (caller.projectId && organizationActions.has(action)) return false;
  return permissionMatrix[caller.role].has(action);
}
