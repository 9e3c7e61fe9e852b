import { projects } from '../api/endpoints.js';
import { DeleteByName } from '../components/delete-by-name.js';
import { FailureNotice } from '../components/failure-notice.js';
import { useLoad } from '../hooks.js';
import { SectionTabs, projectTabs } from '../components/section-tabs.js';
import { RepositorySettings } from '../components/project/repository-settings.js';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../session.js';

export function ProjectPage({ params }: { params: Record<string, string> }) {
  const navigate = useNavigate();
  const projectId = params.projectId!;
  const project = useLoad(() => projects.get(projectId), projectId);
  const canCreate = useCan('service.create');
  const canDelete = useCan('project.delete');
  const canConfigure = useCan('project.update');

  return (
    <section>
      <FailureNotice failure={project.failure} title="Could not load the project" onRetry={() => void project.reload()} />
      {project.loading ? <p aria-live="polite">Loading the project…</p> : null}
      {project.data ? (
        <>
          <div className="page-head">
            <h1>{project.data.name}</h1>
            <div className="button-row">
              {canCreate ? (
                <Link to={`/projects/${projectId}/services/new`} className="button primary">
                  New service
                </Link>
              ) : null}
              {canDelete ? (
                <DeleteByName
                  kind="project"
                  name={project.data.name}
                  consequence="Its services, with their deployments, environment variables, issues and workflows, are deleted with it."
                  remove={() => projects.remove(projectId)}
                  onDeleted={() => navigate('/projects')}
                />
              ) : null}
            </div>
          </div>
          <SectionTabs label="Project" tabs={projectTabs(projectId)} />
          {project.data.description ? <p className="muted">{project.data.description}</p> : null}
          <h2>Services</h2>
          {project.data.services.length === 0 ? <p>No services yet. Create one from a container image or from the project's repository.</p> : null}
          <ul className="cards">
            {project.data.services.map((service) => (
              <li key={service.id} className="card">
                <Link to={`/services/${service.id}`}>{service.name}</Link>
                <p className="muted">
                  {service.source_type === 'image'
                    ? `${service.source_config.image.repository}:${service.source_config.image.tag}`
                    : service.source_type}{' '}
                  · {service.replicas} replica{service.replicas === 1 ? '' : 's'}
                </p>
              </li>
            ))}
          </ul>
          {canConfigure ? <RepositorySettings project={project.data} onSaved={() => void project.reload()} /> : null}
        </>
      ) : null}
    </section>
  );
}
