import { services } from '../../api/endpoints.js';
import { useLoad } from '../../hooks.js';
import { Link } from 'react-router';
import { FailureNotice } from '../failure-notice.js';
import { SectionTabs, serviceTabs } from '../section-tabs.js';

/** The heading of a service's traces, logs and metrics pages: its name, its project, and the tabs between them. */
export function ServiceHead({ serviceId, title }: { serviceId: string; title: string }) {
  const service = useLoad(() => services.get(serviceId), serviceId);
  return (
    <>
      <FailureNotice failure={service.failure} title="Could not load the service" onRetry={() => void service.reload()} />
      <div className="page-head">
        <h1>
          {title}
          {service.data ? <span className="muted"> · {service.data.name}</span> : null}
        </h1>
        {service.data ? <Link to={`/projects/${service.data.project_id}/issues`}>Project issues</Link> : null}
      </div>
      <SectionTabs label="Service" tabs={serviceTabs(serviceId)} />
    </>
  );
}

/** What to do when a page has nothing to show yet: the agent gives every container these endpoints. */
export function TelemetryHint({ what }: { what: string }) {
  return (
    <div className="notice">
      <p>No {what} yet.</p>
      <p className="muted">
        The agent gives each container <code>SENTRY_DSN</code> for errors and <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> for traces,
        logs and metrics; a Sentry or OpenTelemetry SDK in the service sends to them without more set-up. Container logs and
        resource metrics arrive on their own.
      </p>
    </div>
  );
}
