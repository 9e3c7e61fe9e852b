import type { CreateService, HealthCheckConfig, ServiceSource, UpdateService } from '../../contracts/index.js';
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
    | 'build_context'
  >
>;

const noSourceColumns = {
  image_name: null,
  image_tag: null,
  image_digest: null,
  registry_username: null,
  registry_password_encrypted: null,
  dockerfile_path: null,
  build_context: null,
} as const;

/** The contract's defaults for a Dockerfile source, also the columns' defaults. */
const defaultDockerfilePath = './Dockerfile';
const defaultBuildContext = '.';

/** `sealRegistryPassword` encrypts the password for this service's row. */
export function sourceColumns(source: ServiceSource, sealRegistryPassword: (password: string) => Buffer): SourceColumns {
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
        registry_password_encrypted: auth ? sealRegistryPassword(auth.password) : null,
      };
    }
    case 'dockerfile':
      return {
        ...noSourceColumns,
        source_type: 'dockerfile',
        dockerfile_path: source.source_config.dockerfile_path ?? defaultDockerfilePath,
        build_context: source.source_config.build_context ?? defaultBuildContext,
      };
    case 'nixpacks':
      return { ...noSourceColumns, source_type: 'nixpacks' };
    case 'docker_compose':
      return { ...noSourceColumns, source_type: 'docker_compose', dockerfile_path: source.source_config.compose_file };
  }
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
