import { createContext, useContext } from 'react';
import type { AuthIdentity, MemberRole } from '../../contracts/api/access.js';
import { permissionMatrix, type Action } from '../../contracts/api/permissions.js';

/* Who is signed in, for every page: their identity, what their role allows, and how to sign out. */

export interface Session {
  identity: AuthIdentity;
  signOut: () => Promise<void>;
  /** Moves the session to another of the user's organizations; rejects with the API's failure. */
  switchOrganization: (orgId: string) => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** Whether the role may do the action: the API's own matrix (docs/rbac.md), so buttons match its 403s. */
export function roleAllows(role: MemberRole, action: Action): boolean {
  return permissionMatrix[role].has(action);
}

export function useCan(action: Action): boolean {
  return roleAllows(useSession().identity.role, action);
}

/** How a list names who did something: "you", another user by the start of their id, or "automation" (a workflow, schedule or push). */
export function useActorName(): (userId: string | null) => string {
  const me = useSession().identity.user.id;
  return (userId) => (userId === null ? 'automation' : userId === me ? 'you' : `user ${userId.slice(0, 8)}`);
}
