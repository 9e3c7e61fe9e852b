import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { issueToken } from '../../contracts/tokens.js';
import type { SecretCipher } from '../../control/secrets/cipher.js';
import { sealRegistryPassword } from '../../control/secrets/registry-credentials.js';
import type { DeployPayload, HealthCheckConfig } from '../../contracts/index.js';
import type { Database } from '../../db/postgres/database.js';

/** An organization with its owner, written straight to the database. */
export async function createOrganization(db: Kysely<Database>, slug: string) {
  const user = await db.insertInto('users').values({ email: `${slug}-owner@example.com`, name: 'Owner' }).returningAll().executeTakeFirstOrThrow();
  const org = await db.insertInto('organizations').values({ name: slug, slug, owner_id: user.id }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('org_members').values({ org_id: org.id, user_id: user.id, role: 'owner' }).execute();
  return { user, org };
}

/** A registered server and the one-time agent token that authenticates its agent. */
export async function createServer(db: Kysely<Database>, orgId: string, name: string) {
  const agentToken = issueToken('agt');
  const server = await db
    .insertInto('servers')
    .values({ org_id: orgId, name, agent_token_hash: agentToken.hash })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { server, token: agentToken.token };
}

/** A project of `orgId`; its slug (the agent's Docker network is `syntra-<slug>`) gets a random suffix. */
export async function createProject(db: Kysely<Database>, orgId: string, name: string) {
  const slug = `${name}-${randomUUID().slice(0, 8)}`;
  return db.insertInto('projects').values({ org_id: orgId, name: slug, slug }).returningAll().executeTakeFirstOrThrow();
}

/**
 * An image service, written straight to the database as the services routes would store it:
 * the registry password sealed with the platform's cipher, the health check whole in `health_check`.
 */
export async function createService(
  db: Kysely<Database>,
  cipher: SecretCipher,
  service: {
    projectId: string;
    serverId: string;
    name: string;
    image: { registry: string; repository: string; tag: string };
    registryAuth?: { username: string; password: string };
    port: number;
    replicas?: number;
    healthCheck?: HealthCheckConfig;
  },
) {
  const row = await db
    .insertInto('services')
    .values({
      project_id: service.projectId,
      server_id: service.serverId,
      name: service.name,
      source_type: 'image',
      image_name: `${service.image.registry}/${service.image.repository}`,
      image_tag: service.image.tag,
      port: service.port,
      replicas: service.replicas ?? 1,
      health_check: service.healthCheck ? JSON.stringify(service.healthCheck) : null,
      registry_username: service.registryAuth?.username ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!service.registryAuth) return row;
  const sealed = sealRegistryPassword(cipher, row.id, service.registryAuth.password);
  return db.updateTable('services').set({ registry_password_encrypted: sealed }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
}

/** A whole `deploy` payload, as the deploy activity builds it, with an env var and registry credentials. */
export function deployPayload(requestId: string, secrets: { envVars: Record<string, string>; registryAuth: { username: string; password: string } | null }): DeployPayload {
  return {
    request_id: requestId,
    deployment_id: randomUUID(),
    service_id: randomUUID(),
    service_name: 'shop',
    project_name: 'fixtures',
    image: { registry: 'registry.invalid', repository: 'shop', tag: 'v1' },
    registry_auth: secrets.registryAuth,
    config: { port: 8080, replicas: 1, env_vars: secrets.envVars, labels: {} },
    networking: { domains: [], internal_hostname: 'shop.fixtures.internal', expose_port: false },
    strategy: 'rolling',
    rollback_on_failure: false,
    timeout_seconds: 60,
  };
}
