import { useState, type FormEvent } from 'react';
import { projects } from '../api/endpoints.js';
import { Field } from '../components/field.js';
import { FailureNotice } from '../components/failure-notice.js';
import { useAction, useLoad } from '../hooks.js';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../session.js';

export function ProjectsPage() {
  const navigate = useNavigate();
  const list = useLoad(() => projects.list(), 'projects');
  const canCreate = useCan('project.create');
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const project = await projects.create({ name: name.trim() });
    navigate(`/projects/${project.id}`);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <section>
      <h1>Projects</h1>
      <FailureNotice failure={list.failure} title="Could not load the projects" onRetry={() => void list.reload()} />
      {list.loading ? <p aria-live="polite">Loading projects…</p> : null}
      {list.data?.length === 0 ? <p>No projects yet.</p> : null}
      <ul className="cards">
        {list.data?.map((project) => (
          <li key={project.id} className="card">
            <Link to={`/projects/${project.id}`}>{project.name}</Link>
            {project.description ? <p className="muted">{project.description}</p> : null}
          </li>
        ))}
      </ul>
      {canCreate ? (
        <form onSubmit={submit} className="inline-form">
          <h2>New project</h2>
          <Field label="Project name" name="project-name" required value={name} onChange={(event) => setName(event.target.value)} />
          <button type="submit" className="primary" disabled={create.busy || name.trim() === ''}>
            {create.busy ? 'Creating…' : 'Create project'}
          </button>
          <FailureNotice failure={create.failure} title="Could not create the project" />
        </form>
      ) : null}
    </section>
  );
}
