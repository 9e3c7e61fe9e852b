import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, Json, OrgRole, Timestamp, UserPlan } from '../column-types.js';

/* Who may do what: users, organizations and their members, API tokens, browser sessions, one-time sign-in links, the audit log. */

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  avatar_url: string | null;
  plan: Generated<UserPlan | null>;
  stripe_customer_id: string | null;
  email_verified_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  owner_id: string;
  plan: Generated<UserPlan | null>;
  stripe_subscription_id: string | null;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
  /** 0016: DAG `http_request` steps may reach loopback, link-local and private addresses. */
  workflow_http_private_allowed: Generated<boolean>;
}

export type OrganizationRow = Selectable<OrganizationsTable>;

/** 0017: the organization's OpenAI-compatible model provider; the key sealed (control/secrets/ai-provider-key.ts). */
export interface AiSettingsTable {
  org_id: string;
  enabled: Generated<boolean>;
  base_url: string | null;
  model: string | null;
  api_key_encrypted: Buffer | null;
  updated_by: string | null;
  updated_at: Defaulted<Timestamp>;
}

export type AiSettingsRow = Selectable<AiSettingsTable>;

/** 0019: an answered chat question, `id` the answer's message_id. */
export interface AiChatMessagesTable {
  id: string;
  org_id: string;
  user_id: string;
  context: Json;
  question: string;
  answer: string;
  engine: string;
  sources: Json;
  created_at: Defaulted<Timestamp>;
}

/** 0024: the organization's ACME directory and account email, sent to its agents with each deploy. */
export interface AcmeSettingsTable {
  org_id: string;
  directory_url: string;
  email: string | null;
  updated_by: string | null;
  updated_at: Defaulted<Timestamp>;
}

export type AcmeSettingsRow = Selectable<AcmeSettingsTable>;

/** 0025: the REST rate limits' token buckets, shared by every API process (api/http/rate-limit.ts). */
export interface RateLimitBucketsTable {
  key: string;
  tokens: number;
  granted: number;
  updated_at: Timestamp;
}
export type NewOrganization = Insertable<OrganizationsTable>;
export type OrganizationUpdate = Updateable<OrganizationsTable>;

export interface OrgMembersTable {
  org_id: string;
  user_id: string;
  role: Generated<OrgRole>;
  invited_by: string | null;
  invited_at: Defaulted<Timestamp | null>;
  accepted_at: Timestamp | null;
}

export type OrgMemberRow = Selectable<OrgMembersTable>;
export type NewOrgMember = Insertable<OrgMembersTable>;
export type OrgMemberUpdate = Updateable<OrgMembersTable>;

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  org_id: string | null;
  name: string;
  token_hash: string;
  token_prefix: string;
  scopes: Generated<string[] | null>;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
  /** Set for `syn_prj_` tokens: the one project the token reaches (0003). */
  project_id: Generated<string | null>;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
export type ApiTokenUpdate = Updateable<ApiTokensTable>;

/** A browser session (0003). */
export interface SessionsTable {
  /** SHA-256 hex of the secret in the session cookie. */
  id: string;
  user_id: string;
  org_id: string;
  /** SHA-256 hex of the session's CSRF token, which mutations send as `X-CSRF-Token`. */
  csrf_token_hash: string;
  expires_at: Timestamp;
  created_at: Defaulted<Timestamp>;
  last_seen_at: Defaulted<Timestamp>;
}

export type SessionRow = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;

/** A one-time sign-in link, such as the one printed at the first start (0003). */
export interface LoginLinksTable {
  /** SHA-256 hex of the link's secret. */
  token_hash: string;
  user_id: string;
  org_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Defaulted<Timestamp>;
}

export type LoginLinkRow = Selectable<LoginLinksTable>;
export type NewLoginLink = Insertable<LoginLinksTable>;

export interface AuditLogsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: Json | null;
  /** INET, as text. */
  ip_address: string | null;
  user_agent: string | null;
  created_at: Defaulted<Timestamp | null>;
}

export type AuditLogRow = Selectable<AuditLogsTable>;
export type NewAuditLog = Insertable<AuditLogsTable>;
