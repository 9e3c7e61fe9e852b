import type { CreateService, HealthCheckConfig, ServiceSource, ServiceSourceChange, UpdateService } from '../../contracts/index.js';
import type { ServiceUpdate } from '../../db/postgres/database.js';

/*
 * A create or update request's fields as `services` columns: the inverse of `service.ts`.
 * A source is written whole: every source column is set, so switching from an image to a
 * Dockerfile leaves no stale image name or registry credentials behind.
 */

type SourceColumns = Required<
  Pick<
    ServiceUpdate,
    | 'source_type'
    | 'image_name'
    | 'image_tag'
    | 'image_digest'
    | 'registry_username'
    | 'registry_password_encrypted'
    | 'dockerfile_path'
    | 'dockerfile_content'
    | 'build_context'
    | 'git_branch'
    | 'build_target'
    | 'build_args'
    | 'build_secrets_encrypted'
  >
>;

const noSourceColumns = {
  image_name: null,
  image_tag: null,
  image_digest: null,
  registry_username: null,
  registry_password_encrypted: null,
  dockerfile_path: null,
  dockerfile_content: null,
  build_context: null,
  git_branch: null,
  build_target: null,
  build_args: '{}',
  build_secrets_encrypted: null,
} as const;

interface BuildFields {
  branch?: string | undefined;
  build_args?: Record<string, string> | undefined;
  build_secrets?: Record<string, string> | undefined;
}

function buildColumns(fields: BuildFields, sealBuildSecrets: Sealers['buildSecrets']) {
  const secrets = fields.build_secrets ?? {};
  return {
    git_branch: fields.branch ?? null,
    build_args: JSON.stringify(fields.build_args ?? {}),
    build_secrets_encrypted: Object.keys(secrets).length > 0 ? sealBuildSecrets(secrets) : null,
  };
}

/** Seal a source's secrets for the row they go in. */
export interface Sealers {
  registryPassword: (password: string) => Buffer;
  buildSecrets: (secrets: Record<string, string>) => Buffer;
}

/** The contract's defaults for a Dockerfile source, also the columns' defaults. */
const defaultDockerfilePath = './Dockerfile';
const defaultBuildContext = '.';

export function sourceColumns(source: ServiceSource, seal: Sealers): SourceColumns {
  switch (source.source_type) {
    case 'image': {
      const { image, registry_auth: auth } = source.source_config;
      return {
        ...noSourceColumns,
        source_type: 'image',
        // Always `registry/repository`: the registry is the first segment when it reads back.
        image_name: `${image.registry}/${image.repository}`,
        image_tag: image.tag,
        image_digest: image.digest ?? null,
        registry_username: auth?.username ?? null,
        registry_password_encrypted: auth ? seal.registryPassword(auth.password) : null,
      };
    }
    case 'dockerfile': {
      const content = source.source_config.dockerfile_content ?? null;
      return {
        ...noSourceColumns,
        source_type: 'dockerfile',
        // An inline Dockerfile replaces the repository's file, so no path is kept beside it.
        dockerfile_path: content === null ? (source.source_config.dockerfile_path ?? defaultDockerfilePath) : null,
        dockerfile_content: content,
        build_context: source.source_config.build_context ?? defaultBuildContext,
        build_target: source.source_config.target ?? null,
        ...buildColumns(source.source_config, seal.buildSecrets),
      };
    }
    case 'nixpacks':
      return { ...noSourceColumns, source_type: 'nixpacks', ...buildColumns(source.source_config, seal.buildSecrets) };
    case 'docker_compose':
      return { ...noSourceColumns, source_type: 'docker_compose', dockerfile_path: source.source_config.compose_file };
  }
}

/**
 * Build secrets are write-only: nothing reads them back, so a form that changes a service's
 * source cannot send them again. A new build source that leaves `build_secrets` out keeps the
 * ones the service holds (sealed for this service, so they stay valid); `{}` clears them.
 */
export function keepingBuildSecrets(change: ServiceUpdate, source: ServiceSourceChange, current: { build_secrets_encrypted: Buffer | null }): ServiceUpdate {
  const buildSource = source.source_type === 'dockerfile' || source.source_type === 'nixpacks';
  if (!buildSource || source.source_config.build_secrets !== undefined) return change;
  return { ...change, build_secrets_encrypted: current.build_secrets_encrypted };
}

/** The whole check in `health_check`; an HTTP check also in the contract's own columns. */
function healthCheckColumns(check: HealthCheckConfig | null): ServiceUpdate {
  if (!check) return { health_check: null, health_check_path: null };
  return {
    health_check: JSON.stringify(check),
    health_check_path: check.type === 'http' ? (check.path ?? '/') : null,
    health_check_interval: check.interval_seconds,
    health_check_timeout: check.timeout_seconds,
    health_check_retries: check.retries,
  };
}

type Settings = Omit<UpdateService, 'source_type' | 'source_config'> & Partial<Pick<CreateService, 'replicas'>>;

/** The fields of the request other than the source, the server and the env vars; absent ones stay as they are. */
export function settingsColumns(body: Settings): ServiceUpdate {
  return {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.type !== undefined && { type: body.type }),
    ...(body.port !== undefined && { port: body.port }),
    ...(body.replicas !== undefined && { replicas: body.replicas }),
    ...(body.cpu_limit !== undefined && { cpu_limit: body.cpu_limit }),
    ...(body.memory_limit !== undefined && { memory_limit: body.memory_limit }),
    ...(body.domains !== undefined && { domains: JSON.stringify(body.domains) }),
    ...(body.auto_deploy !== undefined && { auto_deploy: body.auto_deploy }),
    ...(body.health_check !== undefined && healthCheckColumns(body.health_check)),
  };
}
