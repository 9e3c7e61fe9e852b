import type { RegistryAuth } from '../contracts/index.js';
import { DeployPayload, type DeploymentSpec } from '../contracts/index.js';

/**
 * The agent's `deploy` command for a deployment: its recorded spec, the attempt's ids, and the
 * secrets read from the service now (env values, registry credentials), which the spec never holds.
 */
export function deployPayloadOf(
  spec: DeploymentSpec,
  ids: { requestId: string; deploymentId: string; serviceId: string },
  secrets: { envVars: Record<string, string>; registryAuth: RegistryAuth | null },
): DeployPayload {
  return DeployPayload.parse({
    request_id: ids.requestId,
    deployment_id: ids.deploymentId,
    service_id: ids.serviceId,
    service_name: spec.service_name,
    project_name: spec.project_name,
    image: spec.image,
    registry_auth: secrets.registryAuth,
    config: { ...spec.config, env_vars: secrets.envVars },
    networking: spec.networking,
    strategy: spec.strategy,
    rollback_on_failure: spec.rollback_on_failure,
    timeout_seconds: spec.timeout_seconds,
  });
}
