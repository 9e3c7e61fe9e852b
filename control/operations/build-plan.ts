import type { BuildSpec, DeployRequest, ImageReference, Service } from '../../contracts/index.js';
import type { ServiceWithProject } from '../../db/queries/deployments.js';

/*
 * What a deploy of a service built from source will build and push: the project's repository at
 * the service's branch (or the commit or branch the request names), its Dockerfile, and an image
 * in the platform's registry tagged by the deployment. The repository is named by the service's
 * id, not its name: pull and push credentials are per repository, and names repeat across
 * organizations.
 */

const commitPattern = /^[0-9a-f]{40}$/;

export const builtRepositoryOf = (serviceId: string) => `services/${serviceId}`;

/** `./Dockerfile` → `Dockerfile`: the agent joins paths to its checkout. */
const relative = (repositoryPath: string) => repositoryPath.replace(/^(\.\/)+/, '') || '.';

export function buildPlanOf(
  found: ServiceWithProject,
  service: Service,
  request: DeployRequest,
  context: { registry: string | null; deploymentId: string },
): { image: ImageReference; build: BuildSpec } | { problem: string } {
  if (service.source_type !== 'dockerfile' && service.source_type !== 'nixpacks') {
    return { problem: `Service "${service.name}" is a ${service.source_type} service, which cannot be built yet; use a Dockerfile source` };
  }
  if (request.image_tag !== undefined) return { problem: 'image_tag is for image services; a built service deploys a git_ref' };
  const repositoryUrl = found.project.git_repo_url;
  if (!repositoryUrl) return { problem: `Project "${found.project.name}" has no git repository to build from; set its git_repo_url` };
  if (!context.registry) return { problem: 'This control plane has no image registry to push builds to (REGISTRY_URL)' };
  const defaultBranch = service.source_config.branch ?? found.project.git_branch ?? 'main';
  const ref = request.git_ref;
  const git = ref === undefined || !commitPattern.test(ref)
    ? { url: repositoryUrl, branch: ref ?? defaultBranch }
    : { url: repositoryUrl, branch: defaultBranch, commit_sha: ref };
  // A nixpacks service builds what the detector writes for its repository (on the agent, which has the checkout).
  const dockerfile =
    service.source_type === 'nixpacks'
      ? { path: 'Dockerfile', context: '.', detect: true }
      : {
          path: relative(service.source_config.dockerfile_path ?? 'Dockerfile'),
          context: relative(service.source_config.build_context ?? '.'),
          ...(service.source_config.target ? { target: service.source_config.target } : {}),
          ...(service.source_config.dockerfile_content !== undefined ? { content: service.source_config.dockerfile_content } : {}),
        };
  return {
    image: { registry: context.registry, repository: builtRepositoryOf(service.id), tag: context.deploymentId },
    build: { git, dockerfile, build_args: service.source_config.build_args ?? {}, source_type: service.source_type },
  };
}
