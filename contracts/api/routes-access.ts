import { z } from 'zod';
import {
  AddedMember,
  AddMember,
  ApiToken,
  AuditLogEntry,
  AuditLogQuery,
  AuthIdentity,
  CreateApiToken,
  CreatedApiToken,
  LoginRequest,
  Member,
  MemberParams,
  MyOrganization,
  SwitchOrganization,
  TokenParams,
  UpdateMember,
} from './access.js';
import { v1, type ApiRoute } from './route.js';

/** Sign-in, API tokens, members and the audit log: beyond the contract (ARCHITECTURE correction 5). */
export const accessRoutes = [
  // Auth (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'POST', path: v1('/auth/login'), operationId: 'login',
    summary: 'Exchange a user token for a session cookie', tags: ['auth'], body: LoginRequest, response: AuthIdentity,
    successStatus: 200, public: true, errors: ['UNAUTHORIZED'],
  },
  {
    method: 'POST', path: v1('/auth/logout'), operationId: 'logout', summary: 'End the session',
    tags: ['auth'], response: null, successStatus: 204,
  },
  {
    method: 'GET', path: v1('/auth/me'), operationId: 'getMe', summary: 'Who the caller is, and their role',
    tags: ['auth'], response: AuthIdentity, successStatus: 200,
  },
  {
    method: 'GET', path: v1('/auth/organizations'), operationId: 'listMyOrganizations',
    summary: "The organizations the caller belongs to, with their role in each", tags: ['auth'],
    response: z.array(MyOrganization), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/auth/switch'), operationId: 'switchOrganization',
    summary: 'Move the browser session to another of your organizations (a new session cookie and CSRF token)',
    tags: ['auth'], body: SwitchOrganization, response: AuthIdentity, successStatus: 200, errors: ['NOT_FOUND', 'UNPROCESSABLE'],
  },

  // API tokens (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/tokens'), operationId: 'listApiTokens', summary: "List the caller's API tokens",
    tags: ['tokens'], response: z.array(ApiToken), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/tokens'), operationId: 'createApiToken', summary: 'Create an API token, shown once',
    tags: ['tokens'], body: CreateApiToken, response: CreatedApiToken, successStatus: 201, errors: ['UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/tokens/{tokenId}'), operationId: 'deleteApiToken', summary: 'Revoke an API token',
    tags: ['tokens'], params: TokenParams, response: null, successStatus: 204,
  },

  // Members (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/members'), operationId: 'listMembers', summary: "The organization's members",
    tags: ['members'], response: z.array(Member), successStatus: 200,
  },
  {
    method: 'POST', path: v1('/members'), operationId: 'addMember', summary: 'Add a member with a role',
    tags: ['members'], body: AddMember, response: AddedMember, successStatus: 201, errors: ['CONFLICT'],
  },
  {
    method: 'PATCH', path: v1('/members/{userId}'), operationId: 'updateMember', summary: "Change a member's role",
    tags: ['members'], params: MemberParams, body: UpdateMember, response: Member, successStatus: 200,
    errors: ['UNPROCESSABLE'],
  },
  {
    method: 'DELETE', path: v1('/members/{userId}'), operationId: 'removeMember',
    summary: 'Remove a member, revoking their tokens and sessions', tags: ['members'], params: MemberParams,
    response: null, successStatus: 204, errors: ['UNPROCESSABLE'],
  },

  // Audit log (not in the contract: ARCHITECTURE correction 5)
  {
    method: 'GET', path: v1('/audit-logs'), operationId: 'listAuditLogs',
    summary: "The organization's audit log, newest first", tags: ['audit'], query: AuditLogQuery,
    response: z.array(AuditLogEntry), successStatus: 200,
  },
] as const satisfies readonly ApiRoute[];
