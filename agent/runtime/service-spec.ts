import { z } from 'zod';
import { DeployPayload, type ImageReference } from '../../contracts/index.js';

/*
 * What the agent needs to run another replica of a service: the last deploy without its
 * request-scoped fields and registry credentials (the image is local once pulled).
 */
export const ServiceSpec = DeployPayload.pick({
  deployment_id: true,
  service_id: true,
  service_name: true,
  project_name: true,
  image: true,
  config: true,
  networking: true,
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/* The label form drops env values (secrets must not sit in `docker inspect` labels twice) and keeps their names. */
const LabelledSpec = z.object({ spec: ServiceSpec, env_names: z.array(z.string()) });

export function specFromDeploy(payload: DeployPayload): ServiceSpec {
  return ServiceSpec.parse(payload);
}

/**
 * A service gets a stable endpoint (and its replicas a published port) when it asks for one or
 * has domains: the edge router reaches a service through its endpoint, never a replica directly.
 */
export function needsEndpoint(spec: ServiceSpec): boolean {
  return spec.networking.expose_port || spec.networking.domains.length > 0;
}

/** `registry/repository:tag`, the reference Docker pulls and creates containers from. */
export function imageReference(image: ImageReference): string {
  return `${image.registry}/${image.repository}:${image.tag}`;
}

export function specLabel(spec: ServiceSpec): string {
  const withoutEnvValues: ServiceSpec = { ...spec, config: { ...spec.config, env_vars: {} } };
  return JSON.stringify({ spec: withoutEnvValues, env_names: Object.keys(spec.config.env_vars) });
}

/**
 * Rebuilds a spec from a container's `syntra.spec` label and its environment (`Config.Env`,
 * which also holds the image's own variables: only the deployed names are taken back).
 * Null when the label is absent or was written by an incompatible agent.
 */
export function specFromContainer(label: string | undefined, containerEnv: readonly string[]): ServiceSpec | null {
  if (label === undefined) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(label);
  } catch {
    return null;
  }
  const parsed = LabelledSpec.safeParse(decoded);
  if (!parsed.success) return null;
  const wanted = new Set(parsed.data.env_names);
  const envVars: Record<string, string> = {};
  for (const entry of containerEnv) {
    const separator = entry.indexOf('=');
    const name = separator === -1 ? entry : entry.slice(0, separator);
    if (wanted.has(name)) envVars[name] = separator === -1 ? '' : entry.slice(separator + 1);
  }
  const spec = parsed.data.spec;
  return { ...spec, config: { ...spec.config, env_vars: envVars } };
}
