import { z } from 'zod';
import { IsoDateTime, IsoDateTimeInput, trimmedText, Uuid } from '../primitives.js';
import { Pagination } from './queries.js';

/*
 * Who may do what: browser sign-in, a member's own API tokens, the organization's members and
 * its audit log. The contract has no endpoints for them (ARCHITECTURE correction 5); these are
 * the control plane's own, published in the same registry as the rest.
 */

/** An organization member's role (docs/rbac.md), weakest last. */
export const MemberRole = z.enum(['owner', 'admin', 'developer', 'viewer']);
export type MemberRole = z.infer<typeof MemberRole>;

// Auth

export const AuthIdentity = z.object({
  user: z.object({ id: Uuid, email: z.string(), name: z.string().nullable() }),
  organization: z.object({ id: Uuid, name: z.string(), slug: z.string() }),
  role: MemberRole,
  csrf_token: z
    .string()
    .nullable()
    .describe('Send as X-CSRF-Token with every mutation made with the session cookie; null when signed in by token'),
});
export type AuthIdentity = z.infer<typeof AuthIdentity>;

export const LoginRequest = z.object({ token: z.string().min(1).describe('A user token, syn_usr_…') });
export type LoginRequest = z.infer<typeof LoginRequest>;

/** One of the organizations the caller belongs to. */
export const MyOrganization = z.object({
  id: Uuid,
  name: z.string(),
  slug: z.string(),
  role: MemberRole,
  current: z.boolean().describe('The organization this session or token acts in'),
});
export type MyOrganization = z.infer<typeof MyOrganization>;

export const SwitchOrganization = z.object({ org_id: Uuid });
export type SwitchOrganization = z.infer<typeof SwitchOrganization>;

// API tokens

export const ApiToken = z.object({
  id: Uuid,
  name: z.string().min(1),
  token_prefix: z.string().describe('The first characters, to recognise the token'),
  project_id: Uuid.nullable().describe('Set for project-scoped tokens (syn_prj_)'),
  last_used_at: IsoDateTime.nullable(),
  expires_at: IsoDateTime.nullable(),
  created_at: IsoDateTime,
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateApiToken = z.object({
  name: trimmedText(255),
  project_id: Uuid.optional().describe('Makes a project-scoped token (syn_prj_) that reaches only this project'),
  expires_at: IsoDateTimeInput.optional().describe(`${IsoDateTimeInput.description}. In the future. Absent: never expires`),
});
export type CreateApiToken = z.infer<typeof CreateApiToken>;

export const CreatedApiToken = ApiToken.extend({ token: z.string().describe('Shown once: only its hash is stored') });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

export const TokenParams = z.object({ tokenId: Uuid });

// Members

export const Member = z.object({
  user_id: Uuid,
  email: z.string(),
  name: z.string().nullable(),
  role: MemberRole,
  invited_by: Uuid.nullable(),
  invited_at: IsoDateTime.nullable(),
  accepted_at: IsoDateTime.nullable(),
});
export type Member = z.infer<typeof Member>;

// Loose on purpose: a self-hosted owner may well be `owner@localhost`, which z.email() refuses.
// Lower-cased, so one person cannot become two users by capitalisation.
export const Email = z.string().max(255).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').toLowerCase();

export const AddMember = z.object({ email: Email, role: MemberRole, name: trimmedText(255).optional() });
export type AddMember = z.infer<typeof AddMember>;

export const AddedMember = Member.extend({
  login_url: z.string().describe('One-time sign-in link for the new member, valid 24 hours; Syntra sends no email'),
});
export type AddedMember = z.infer<typeof AddedMember>;

export const UpdateMember = z.object({ role: MemberRole });
export type UpdateMember = z.infer<typeof UpdateMember>;

export const MemberParams = z.object({ userId: Uuid });

// Audit log

export const AuditLogEntry = z.object({
  id: Uuid,
  user_id: Uuid.nullable(),
  action: z.string().describe('`<resource>.<verb>`, e.g. server.create'),
  resource_type: z.string(),
  resource_id: Uuid.nullable(),
  details: z.unknown(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: IsoDateTime,
});
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const AuditLogQuery = Pagination.extend({
  action: z.string().min(1).max(100).optional(),
  resource_type: z.string().min(1).max(50).optional(),
  resource_id: Uuid.optional(),
  user_id: Uuid.optional(),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;
