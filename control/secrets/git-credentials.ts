import { GitCredentials } from '../../contracts/index.js';
import type { SecretCipher } from './cipher.js';

/*
 * A project's repository credential and push-webhook secret, and a service's build secrets:
 * sealed like env vars, each with the row it belongs to as its context, so a value moved to
 * another row fails to open.
 */

const credentialsContext = (projectId: string) => `projects.git_credentials_encrypted:${projectId}`;
const webhookContext = (projectId: string) => `projects.git_webhook_secret_encrypted:${projectId}`;
const buildSecretsContext = (serviceId: string) => `services.build_secrets_encrypted:${serviceId}`;

export const sealGitCredentials = (cipher: SecretCipher, projectId: string, credentials: GitCredentials) =>
  cipher.seal(JSON.stringify(credentials), credentialsContext(projectId));

export function openGitCredentials(cipher: SecretCipher, projectId: string, sealed: Buffer | null): GitCredentials | null {
  return sealed ? GitCredentials.parse(JSON.parse(cipher.open(sealed, credentialsContext(projectId)))) : null;
}

export const sealWebhookSecret = (cipher: SecretCipher, projectId: string, secret: string) => cipher.seal(secret, webhookContext(projectId));

export const openWebhookSecret = (cipher: SecretCipher, projectId: string, sealed: Buffer | null): string | null =>
  sealed ? cipher.open(sealed, webhookContext(projectId)) : null;

export const sealBuildSecrets = (cipher: SecretCipher, serviceId: string, secrets: Record<string, string>) =>
  cipher.seal(JSON.stringify(secrets), buildSecretsContext(serviceId));

export function openBuildSecrets(cipher: SecretCipher, serviceId: string, sealed: Buffer | null): Record<string, string> {
  return sealed ? (JSON.parse(cipher.open(sealed, buildSecretsContext(serviceId))) as Record<string, string>) : {};
}
