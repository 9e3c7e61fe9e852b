import type { Service } from '../../../../contracts/api/resources.js';

/*
 * What a service built from the project's repository builds, among the service page's facts: its
 * branch and, for a dockerfile source, which Dockerfile — a file of the repository, or the inline
 * one kept with the service (readable here, changed or cleared in the service's settings).
 */
export function BuildSourceFacts({ service }: { service: Service }) {
  if (service.source_type !== 'dockerfile' && service.source_type !== 'nixpacks') return null;
  const config = service.source_config;
  return (
    <>
      <div>
        <dt>Branch</dt>
        <dd>{config.branch ?? "The project's"}</dd>
      </div>
      <div>
        <dt>Dockerfile</dt>
        <dd data-testid="dockerfile-source">
          {service.source_type === 'nixpacks' ? (
            'Detected at each build'
          ) : service.source_config.dockerfile_content !== undefined ? (
            <details>
              <summary>Inline, kept with the service</summary>
              <pre className="generated" aria-label="Inline Dockerfile" tabIndex={0}>
                {service.source_config.dockerfile_content}
              </pre>
            </details>
          ) : (
            (service.source_config.dockerfile_path ?? './Dockerfile')
          )}
          {service.source_type === 'dockerfile' && service.source_config.build_context ? ` · context ${service.source_config.build_context}` : null}
        </dd>
      </div>
    </>
  );
}
