import {
  BuildSpec,
  DeploymentEvent,
  DeploymentSpec,
  type Deployment,
  type DeploymentDetail,
  type DeployRequest,
  type ImageReference,
  type Service,
  type TemporalWorkflowRef,
} from '../../contracts/index.js';
import type { DeploymentEventRow, DeploymentRow, ProjectRow } from '../../db/postgres/database.js';
import { isoTimestamp, isoTimestampOrNull } from './timestamps.js';

/** How long the agent has for a rollout when the deploy request does not say (pull, start, health checks). */
export const defaultDeployTimeoutSeconds = 300;

export function deploymentResource(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    service_id: row.service_id,
    status: row.status ?? 'queued',
    git_commit_sha: row.git_commit_sha,
    git_commit_message: row.git_commit_message,
    git_branch: row.git_branch,
    image_digest: row.image_digest,
    build_duration_ms: row.build_duration_ms,
    deploy_duration_ms: row.deploy_duration_ms,
    triggered_by: row.triggered_by,
    trigger_type: row.trigger_type ?? 'manual',
    error_message: row.error_message,
    rollback_from_id: row.rollback_from_id,
    created_at: isoTimestamp(row.created_at, 'deployments.created_at'),
    started_at: isoTimestampOrNull(row.started_at),
    finished_at: isoTimestampOrNull(row.finished_at),
  };
}

export function eventResource(row: DeploymentEventRow): DeploymentEvent {
  return DeploymentEvent.parse({
    id: row.id,
    source: row.source,
    status: row.status,
    phase: row.phase,
    progress_percent: row.progress_percent,
    message: row.message,
    logs: row.logs,
    container_id: row.container_id,
    error_code: row.error_code,
    at: row.at.toISOString(),
  });
}

/** The run in Temporal Web, when the control plane knows Temporal Web's address. */
export function temporalWebUrl(webUrl: string | null, namespace: string, workflowId: string): string | null {
  if (!webUrl) return null;
  return `${webUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Where a workflow the control plane started can be looked at. */
export function temporalWorkflowRef(temporal: TemporalAddress, workflowId: string): TemporalWorkflowRef {
  return { id: workflowId, namespace: temporal.namespace, web_url: temporalWebUrl(temporal.webUrl, temporal.namespace, workflowId) };
}

export type TemporalAddress = { namespace: string; webUrl: string | null };

export function deploymentDetailResource(
  row: DeploymentRow,
  events: DeploymentEventRow[],
  temporal: TemporalAddress,
  buildServer: DeploymentDetail['build_server'] = null,
): DeploymentDetail {
  return {
    ...deploymentResource(row),
    build_logs: row.build_logs,
    spec: row.spec === null ? null : DeploymentSpec.parse(row.spec),
    build: row.build_spec === null ? null : BuildSpec.parse(row.build_spec),
    build_server: buildServer,
    events: events.map(eventResource),
    workflow: row.workflow_id ? temporalWorkflowRef(temporal, row.workflow_id) : null,
  };
}

/** An image service's image; the request may name another tag. */
function imageOf(service: Service, request: DeployRequest): ImageReference {
  if (service.source_type !== 'image') throw new TypeError(`${service.source_type} services have no image of their own`);
  const { image } = service.source_config;
  const tag = request.image_tag ?? image.tag;
  // A pinned digest belongs to the service's own tag; another tag is another image.
  return { registry: image.registry, repository: image.repository, tag, ...(image.digest && tag === image.tag ? { digest: image.digest } : {}) };
}

/** What the deploy takes from outside the service's row: its default domain and its organization's ACME account. */
export interface DeployPlacement {
  defaultDomain: string | null;
  acme: { directory_url: string; email: string | null } | null;
}

/**
 * What a deploy of `service` as it is now would deploy: its image (the request may name another
 * tag, a build names the image it will push), replicas, limits, health check and networking (its
 * domains, the default one first, and the ACME account when the organization chose one).
 */
export function deploymentSpecOf(
  service: Service,
  project: Pick<ProjectRow, 'slug'>,
  request: DeployRequest,
  extras: { placement?: DeployPlacement; builtImage?: ImageReference } = {},
): DeploymentSpec | { problem: string } {
  const { placement: { defaultDomain, acme } = { defaultDomain: null, acme: null }, builtImage } = extras;
  if (service.source_type !== 'image' && !builtImage) {
    return { problem: `Service "${service.name}" is built from ${service.source_type}, which needs a build first` };
  }
  if (service.port === null) return { problem: `Service "${service.name}" has no port; set one before deploying` };
  if (service.replicas < 1) return { problem: `Service "${service.name}" is scaled to 0 replicas; scale it up to deploy` };
  const spec = DeploymentSpec.safeParse({
    service_name: service.name,
    project_name: project.slug,
    image: builtImage ?? imageOf(service, request),
    config: {
      port: service.port,
      replicas: service.replicas,
      ...(service.cpu_limit ? { cpu_limit: service.cpu_limit } : {}),
      ...(service.memory_limit ? { memory_limit: service.memory_limit } : {}),
      labels: {},
      ...(service.health_check ? { health_check: service.health_check } : {}),
    },
    networking: {
      domains: defaultDomain ? [defaultDomain, ...service.domains.filter((domain) => domain !== defaultDomain)] : service.domains,
      internal_hostname: `${service.name}.${project.slug}.internal`.toLowerCase(),
      expose_port: true,
      ...(acme ? { acme } : {}),
    },
    strategy: request.strategy ?? 'rolling',
    rollback_on_failure: request.rollback_on_failure ?? false,
    timeout_seconds: request.timeout_seconds ?? defaultDeployTimeoutSeconds,
  });
  if (spec.success) return spec.data;
  const issue = spec.error.issues[0];
  return { problem: `Service "${service.name}" cannot be deployed as it is: ${issue?.path.join('.')} ${issue?.message}` };
}
