import type { Service } from '../../../../contracts/api/resources.js';

/*
 * What a service built from the project's repository builds, on the service page: its branch
 * and, for a dockerfile source, which Dockerfile — a file of the repository, or the inline one
 * kept with the service (readable here, changed or cleared in the service's settings).
 */

const inlineDockerfileOf = (service: Service) => (service.source_type === 'dockerfile' ? service.source_config.dockerfile_content : undefined);

/** The facts, among the page's others. */
export function BuildSourceFacts({ service }: { service: Service }) {
  if (service.source_type !== 'dockerfile' && service.source_type !== 'nixpacks') return null;
  const { source_config: config } = service;
  const context = service.source_type === 'dockerfile' && service.source_config.build_context ? `, context ${service.source_config.build_context}` : '';
  const dockerfile =
    service.source_type === 'nixpacks'
      ? 'Detected at each build'
      : inlineDockerfileOf(service) !== undefined
        ? 'Inline, kept with the service'
        : (service.source_config.dockerfile_path ?? './Dockerfile');
  return (
    <>
      <div>
        <dt>Branch</dt>
        <dd>{config.branch ?? "The project's"}</dd>
      </div>
      <div>
        <dt>Dockerfile</dt>
        <dd data-testid="dockerfile-source">
          {dockerfile}
          {context}
        </dd>
      </div>
    </>
  );
}

/** The inline Dockerfile's text, folded, below the facts. */
export function InlineDockerfile({ service }: { service: Service }) {
  const text = inlineDockerfileOf(service);
  if (text === undefined) return null;
  return (
    <details className="inline-dockerfile">
      <summary>The inline Dockerfile this service builds</summary>
      <pre className="generated" aria-label="Inline Dockerfile" tabIndex={0}>
        {text}
      </pre>
    </details>
  );
}
