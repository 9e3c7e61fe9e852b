import { useCallback, useState } from 'react';
import type { DeploymentDetail, DeploymentEvent } from '../../../contracts/api/resources.js';
import type { LiveDeploymentEvent } from '../../../contracts/live.js';
import { deployments, services } from '../api/endpoints.js';
import { useDeploymentEvents } from '../api/live.js';
import { ChatPanel } from '../components/ai/chat-panel.js';
import { Recommendations } from '../components/ai/recommendations.js';
import { BuildSourceFacts, InlineDockerfile } from '../components/service/build-source.js';
import { CommandRunner } from '../components/service/command-runner.js';
import { DeploymentHistory } from '../components/service/deployment-history.js';
import { DomainsPanel } from '../components/service/domains-panel.js';
import { EnvEditor } from '../components/service/env-editor.js';
import { LiveDeployment } from '../components/service/live-deployment.js';
import { OperationHistory } from '../components/service/operation-history.js';
import { ServiceControls } from '../components/service/service-controls.js';
import { ServiceHealth } from '../components/service/service-health.js';
import { ServiceLogs } from '../components/service/service-logs.js';
import { DeleteByName } from '../components/delete-by-name.js';
import { FailureNotice } from '../components/failure-notice.js';
import { SectionTabs, serviceTabs } from '../components/section-tabs.js';
import { useInterval, useLoad } from '../hooks.js';
import { isFinished } from '../logic/deploy-progress.js';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../session.js';

/* Durations of running deployments tick at this pace. */
const clockTickMs = 1_000;

export function ServicePage({ params }: { params: Record<string, string> }) {
  const navigate = useNavigate();
  const serviceId = params.serviceId!;
  const service = useLoad(() => services.get(serviceId), serviceId);
  const latest = service.data?.recent_deployments[0] ?? null;
  const operations = useLoad(() => services.operations(serviceId), serviceId);
  const detail = useLoad<DeploymentDetail | null>(() => (latest ? deployments.get(latest.id) : Promise.resolve(null)), latest?.id ?? 'none');
  const [arriving, setArriving] = useState<Record<string, DeploymentEvent[]>>({});
  const [now, setNow] = useState(Date.now());
  const canEdit = useCan('service.update');
  const canDelete = useCan('service.delete');
  const canUseAi = useCan('ai.use');
  useInterval(() => setNow(Date.now()), clockTickMs, latest !== null && !isFinished(latest.status));

  // Every operation shows in the operations list, so whatever reloads the service reloads that too.
  const reloadService = useCallback(async () => {
    await Promise.all([service.reload(), operations.reload()]);
  }, [service.reload, operations.reload]);
  const reloadAll = useCallback(async () => {
    await Promise.all([reloadService(), detail.reload()]);
  }, [reloadService, detail.reload]);

  useDeploymentEvents(
    { kind: 'service', id: serviceId },
    (message: LiveDeploymentEvent) => {
      setArriving((known) => ({ ...known, [message.deployment_id]: [...(known[message.deployment_id] ?? []), message.event] }));
      // A status change (a new deployment, a rollback, the end) changes the history: read it again.
      if (message.event.source === 'control_plane') void reloadService();
    },
    () => void reloadAll(),
  );

  const data = service.data;
  const image = data?.source_type === 'image' ? data.source_config.image : null;
  return (
    <section>
      <FailureNotice failure={service.failure} title="Could not load the service" onRetry={() => void service.reload()} />
      {service.loading ? <p aria-live="polite">Loading the service…</p> : null}
      {data ? (
        <>
          <div className="page-head">
            <h1>{data.name}</h1>
            <div className="button-row">
              <Link to={`/projects/${data.project_id}`}>Project</Link>
              {canEdit ? (
                <Link to={`/services/${data.id}/edit`} className="button">
                  Edit settings
                </Link>
              ) : null}
              {canDelete ? (
                <DeleteByName
                  kind="service"
                  name={data.name}
                  consequence="Its deployments, environment variables and issues are deleted with it."
                  remove={() => services.remove(data.id)}
                  onDeleted={() => navigate(`/projects/${data.project_id}`)}
                />
              ) : null}
            </div>
          </div>
          <SectionTabs label="Service" tabs={serviceTabs(data.id)} />
          <dl className="facts">
            <div>
              <dt>Image</dt>
              <dd>{image ? `${image.registry}/${image.repository}:${image.tag}` : data.source_type}</dd>
            </div>
            <BuildSourceFacts service={data} />
            <div>
              <dt>Port</dt>
              <dd>{data.port ?? '—'}</dd>
            </div>
            <div>
              <dt>Replicas</dt>
              <dd data-testid="replicas">{data.replicas}</dd>
            </div>
            <div>
              <dt>Health check</dt>
              <dd>{data.health_check ? `${data.health_check.type}${data.health_check.type === 'http' ? ` ${data.health_check.path ?? '/'}` : ''}` : 'none'}</dd>
            </div>
          </dl>
          <InlineDockerfile service={data} />
          <ServiceControls service={data} onChanged={reloadService} />
          <ServiceHealth service={data} />
          <DomainsPanel service={data} canEdit={canEdit} onChanged={service.reload} />
          {latest ? (
            <LiveDeployment deployment={latest} readEvents={detail.data?.events ?? []} arriving={arriving[latest.id] ?? []} failure={detail.failure} />
          ) : null}
          <DeploymentHistory
            deployments={data.recent_deployments}
            currentId={data.current_deployment_id}
            now={now}
            onRollback={async (deploymentId) => {
              await services.rollback(serviceId, deploymentId);
              await reloadService();
            }}
          />
          <OperationHistory operations={operations.data} failure={operations.failure} />
          <EnvEditor serviceId={serviceId} />
          <CommandRunner service={data} />
          <ServiceLogs serviceId={serviceId} />
          <Recommendations serviceId={serviceId} />
          {canUseAi ? <ChatPanel context={{ service_id: serviceId }} subject={data.name} /> : null}
        </>
      ) : null}
    </section>
  );
}
