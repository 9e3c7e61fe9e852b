import { z } from 'zod';
import { HealthCheckConfig, Hostname, type Service, type ServiceSourceView } from '../../contracts/index.js';
import type { ServiceRow } from '../../db/postgres/database.js';
import { isoTimestamp } from './timestamps.js';

/*
 * How a `services` row reads as the contract's `Service`. The table is flatter than the
 * resource, so some columns carry more than their name says:
 * - `image_name` is `registry/repository`; Docker's rule decides whether the first segment is a
 *   registry (it has a dot or a port, or is `localhost`), otherwise the registry is docker.io.
 * - `docker_compose` keeps its compose file in `dockerfile_path`, the table's one file column.
 * - A dockerfile source with `dockerfile_content` (0030) builds that text; its path is not read.
 * - The health check is the `health_check` JSONB (0005) when set; otherwise, as in the
 *   contract's columns, an HTTP check on `health_check_path`, and no path means no check.
 * The registry password is never read back (write-only, contract); its username is.
 * `service-columns.ts` is the other direction: a request's fields as columns.
 */

const defaultRegistry = 'docker.io';
const Domains = z.array(Hostname);

function splitImageName(imageName: string): { registry: string; repository: string } {
  const [first, ...rest] = imageName.split('/');
  if (rest.length > 0 && first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, repository: rest.join('/') };
  }
  return { registry: defaultRegistry, repository: imageName };
}

function sourceOf(row: ServiceRow): ServiceSourceView {
  switch (row.source_type) {
    case 'image':
      return {
        source_type: 'image',
        source_config: {
          image: {
            ...splitImageName(row.image_name ?? ''),
            tag: row.image_tag ?? 'latest',
            ...(row.image_digest ? { digest: row.image_digest } : {}),
          },
          ...(row.registry_username ? { registry_auth: { username: row.registry_username } } : {}),
        },
      };
    case 'dockerfile':
      return {
        source_type: 'dockerfile',
        source_config: {
          ...(row.dockerfile_content !== null ? { dockerfile_content: row.dockerfile_content } : row.dockerfile_path ? { dockerfile_path: row.dockerfile_path } : {}),
          ...(row.build_context ? { build_context: row.build_context } : {}),
          ...(row.build_target ? { target: row.build_target } : {}),
          ...buildFieldsOf(row),
        },
      };
    case 'nixpacks':
      return { source_type: 'nixpacks', source_config: buildFieldsOf(row) };
    case 'docker_compose':
      return { source_type: 'docker_compose', source_config: { compose_file: row.dockerfile_path ?? 'docker-compose.yml' } };
  }
}

const BuildArgs = z.record(z.string(), z.string());

/** A built service's branch and build args; build secrets by name only (they are sealed, and write-only). */
function buildFieldsOf(row: ServiceRow): { branch?: string; build_args?: Record<string, string> } {
  const args = BuildArgs.safeParse(row.build_args);
  return {
    ...(row.git_branch ? { branch: row.git_branch } : {}),
    ...(args.success && Object.keys(args.data).length > 0 ? { build_args: args.data } : {}),
  };
}

function healthCheckOf(row: ServiceRow): HealthCheckConfig | null {
  const stored = HealthCheckConfig.safeParse(row.health_check);
  if (stored.success) return stored.data;
  if (!row.health_check_path) return null;
  return {
    type: 'http',
    path: row.health_check_path,
    interval_seconds: row.health_check_interval ?? 30,
    timeout_seconds: row.health_check_timeout ?? 5,
    retries: row.health_check_retries ?? 3,
    start_period_seconds: 0,
  };
}

export function serviceResource(row: ServiceRow): Service {
  const domains = Domains.safeParse(row.domains);
  return {
    id: row.id,
    project_id: row.project_id,
    server_id: row.server_id,
    name: row.name,
    type: row.type ?? 'app',
    port: row.port,
    replicas: row.replicas ?? 1,
    cpu_limit: row.cpu_limit,
    memory_limit: row.memory_limit,
    domains: domains.success ? domains.data : [],
    health_check: healthCheckOf(row),
    auto_deploy: row.auto_deploy ?? true,
    current_deployment_id: row.current_deployment_id,
    created_at: isoTimestamp(row.created_at, 'services.created_at'),
    updated_at: isoTimestamp(row.updated_at, 'services.updated_at'),
    ...sourceOf(row),
  };
}
