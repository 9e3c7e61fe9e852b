import { UpdateProject } from '../../../contracts/api/requests.js';

/*
 * A project's repository settings as the form holds them. The credential and the webhook secret
 * are write-only: left empty they are not sent, so the stored ones stay.
 */

export interface RepositoryFormValues {
  git_repo_url: string;
  git_branch: string;
  credential_kind: 'keep' | 'token' | 'ssh' | 'none';
  token_username: string;
  token: string;
  private_key: string;
  webhook_secret: string;
}

export type RepositoryFormErrors = Partial<Record<keyof RepositoryFormValues, string>>;

const zodPathFields: Record<string, keyof RepositoryFormValues> = {
  git_repo_url: 'git_repo_url',
  git_branch: 'git_branch',
  'git_credentials.username': 'token_username',
  'git_credentials.token': 'token',
  'git_credentials.private_key': 'private_key',
  git_webhook_secret: 'webhook_secret',
};

function credentialsOf(values: RepositoryFormValues) {
  switch (values.credential_kind) {
    case 'keep':
      return {};
    case 'none':
      return { git_credentials: null };
    case 'token':
      return { git_credentials: { kind: 'token' as const, token: values.token, ...(values.token_username.trim() ? { username: values.token_username.trim() } : {}) } };
    case 'ssh':
      return { git_credentials: { kind: 'ssh' as const, private_key: values.private_key } };
  }
}

export function repositoryUpdateOf(values: RepositoryFormValues): { ok: true; body: UpdateProject } | { ok: false; errors: RepositoryFormErrors } {
  const parsed = UpdateProject.safeParse({
    ...(values.git_repo_url.trim() ? { git_repo_url: values.git_repo_url.trim() } : {}),
    ...(values.git_branch.trim() ? { git_branch: values.git_branch.trim() } : {}),
    ...credentialsOf(values),
    ...(values.webhook_secret ? { git_webhook_secret: values.webhook_secret } : {}),
  });
  if (parsed.success) return { ok: true, body: parsed.data };
  const errors: RepositoryFormErrors = {};
  for (const issue of parsed.error.issues) errors[zodPathFields[issue.path.map(String).join('.')] ?? zodPathFields[String(issue.path[0])] ?? 'git_repo_url'] ??= issue.message;
  return { ok: false, errors };
}

/** A webhook secret from the browser's CSPRNG: 32 bytes, hex. */
export function newWebhookSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Where a git host sends pushes: this control plane's public origin, as the browser reaches it. */
export const webhookUrlOf = (origin: string, projectId: string) => `${origin}/api/v1/webhooks/git/${projectId}`;
