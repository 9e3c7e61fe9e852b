import type { OrgRole } from '../db/postgres/database.js';
import type { Scope } from '../db/queries/scope.js';
import { isAllowed, type Action } from '../contracts/api/permissions.js';
import { ApiProblem } from './problem.js';

/** The authenticated party of a request; `request.caller` once the auth hook has run. */
export interface Caller {
  userId: string;
  orgId: string;
  role: OrgRole;
  /** Set for project-scoped tokens (`syn_prj_`): every query is narrowed to this project. */
  projectId?: string;
  /** The API token used, when authenticated by one. */
  tokenId?: string;
  /**
   * `workflow`: a DAG run's step, acting for the member who started the run (control/dag/run-actor.ts);
   * `webhook`: a git push, acting for the member who set the project's webhook secret (control/webhooks/).
   */
  via: 'token' | 'session' | 'workflow' | 'webhook';
}

export function scopeOf(caller: Caller): Scope {
  return caller.projectId ? { orgId: caller.orgId, projectId: caller.projectId } : { orgId: caller.orgId };
}

/** Throws 403 FORBIDDEN unless the caller's role (and token scope) allows the action. */
export function authorize(caller: Caller, action: Action): void {
  if (isAllowed(caller, action)) return;
  const who = caller.projectId ? `a project-scoped token (role ${caller.role})` : `the ${caller.role} role`;
  throw new ApiProblem('FORBIDDEN', `${who} may not ${action}`);
}
