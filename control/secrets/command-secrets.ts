import { z } from 'zod';
import { BuildPayload, DeployPayload } from '../../contracts/index.js';
import type { AgentCommandRow } from '../../db/postgres/database.js';
import type { SecretCipher } from './cipher.js';

/*
 * A `deploy` command waits in the outbox (`agent_commands`) until its agent takes it, and every
 * row written there reaches PostgreSQL's WAL, its backups and its replicas. So the payload is
 * stored without its secret parts — every env value (the payload does not say which are secret)
 * and the registry credentials — which are sealed under the master key in `sealed_secrets` and
 * put back only by the gateway, in memory, as it sends the command. The seal's context names the
 * command's `request_id`: sealed secrets copied onto another command fail to open.
 */

const DeploySecrets = z.object({
  env_vars: DeployPayload.shape.config.shape.env_vars,
  registry_auth: DeployPayload.shape.registry_auth,
});

/** A `deploy` payload as the outbox row holds it. */
const StoredDeployPayload = DeployPayload.omit({ registry_auth: true }).extend({
  config: DeployPayload.shape.config.omit({ env_vars: true }),
});

const secretsContext = (requestId: string) => `agent_commands.sealed_secrets:${requestId}`;

/** The row's `payload` and `sealed_secrets` for a deploy command. */
export function sealDeployCommand(cipher: SecretCipher, payload: DeployPayload): { payload: z.infer<typeof StoredDeployPayload>; sealedSecrets: Buffer } {
  const { registry_auth, config, ...rest } = payload;
  const { env_vars, ...plainConfig } = config;
  const secrets: z.infer<typeof DeploySecrets> = { env_vars, registry_auth };
  return {
    payload: { ...rest, config: plainConfig },
    sealedSecrets: cipher.seal(JSON.stringify(secrets), secretsContext(payload.request_id)),
  };
}

/* A `build` keeps its git credential, build secrets and push credential sealed the same way. */
const BuildSecrets = BuildPayload.pick({ git_auth: true, build_secrets: true, registry_auth: true });
const StoredBuildPayload = BuildPayload.omit({ git_auth: true, build_secrets: true, registry_auth: true });

export function sealBuildCommand(cipher: SecretCipher, payload: BuildPayload): { payload: z.infer<typeof StoredBuildPayload>; sealedSecrets: Buffer } {
  const { git_auth, build_secrets, registry_auth, ...rest } = payload;
  const secrets: z.infer<typeof BuildSecrets> = { git_auth, build_secrets, registry_auth };
  return { payload: rest, sealedSecrets: cipher.seal(JSON.stringify(secrets), secretsContext(payload.request_id)) };
}

/**
 * The payload to send for a command of the outbox: a deploy or a build gets its secrets back. Throws
 * SecretDecryptionError for sealed secrets that were altered or moved from another command, and
 * refuses a deploy whose secrets are gone (answered, expired, or stripped by migration 0013)
 * rather than run it without its env and credentials.
 */
export function deliverablePayload(cipher: SecretCipher, command: Pick<AgentCommandRow, 'type' | 'request_id' | 'payload' | 'sealed_secrets'>): unknown {
  if (command.type !== 'deploy' && command.type !== 'build') return command.payload;
  if (!command.sealed_secrets) throw new Error(`${command.type} command ${command.request_id} has no sealed secrets left to send it with`);
  if (command.type === 'build') {
    const secrets = BuildSecrets.parse(JSON.parse(cipher.open(command.sealed_secrets, secretsContext(command.request_id))));
    return BuildPayload.parse({ ...StoredBuildPayload.parse(command.payload), ...secrets });
  }
  const stored = StoredDeployPayload.parse(command.payload);
  const secrets = DeploySecrets.parse(JSON.parse(cipher.open(command.sealed_secrets, secretsContext(command.request_id))));
  return DeployPayload.parse({ ...stored, registry_auth: secrets.registry_auth, config: { ...stored.config, env_vars: secrets.env_vars } });
}
