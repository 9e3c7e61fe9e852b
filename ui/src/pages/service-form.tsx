import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { servers, services } from '../api/endpoints.js';
import { DockerfileGenerator, type DockerfileAcceptance } from '../components/ai/dockerfile-generator.js';
import { Field } from '../components/field.js';
import { SourceFields } from '../components/service/source-fields.js';
import { FailureNotice } from '../components/failure-notice.js';
import { useAction, useLoad } from '../hooks.js';
import {
  createServiceBody,
  emptyServiceForm,
  serviceFormOf,
  updateServiceBody,
  type FieldErrors,
  type ServiceFormField,
  type ServiceFormValues,
} from '../logic/service-form.js';
import { withInlineDockerfile } from '../logic/service-source.js';
import { useNavigate } from 'react-router';
import { useCan } from '../session.js';

/* Create a service in a project (`/projects/:projectId/services/new`) or edit one (`/services/:serviceId/edit`). */
export function ServiceFormPage({ params }: { params: Record<string, string> }) {
  const navigate = useNavigate();
  const editing = params.serviceId ?? null;
  const serverList = useLoad(() => servers.list(), 'servers');
  const existing = useLoad(() => (editing ? services.get(editing) : Promise.resolve(null)), editing ?? 'new');
  const [values, setValues] = useState<ServiceFormValues>(emptyServiceForm);
  const [original, setOriginal] = useState<ServiceFormValues>(emptyServiceForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const canUseAi = useCan('ai.use');

  useEffect(() => {
    if (!existing.data) return;
    const filled = serviceFormOf(existing.data);
    setValues(filled);
    setOriginal(filled);
  }, [existing.data]);
  useEffect(() => {
    const first = serverList.data?.[0];
    if (!editing && first) setValues((current) => (current.server_id ? current : { ...current, server_id: first.id }));
  }, [serverList.data, editing]);

  const save = useAction(async () => {
    const parsed = editing ? updateServiceBody(values, original) : createServiceBody(values);
    setErrors(parsed.ok ? {} : parsed.errors);
    if (!parsed.ok) return;
    const saved = editing
      ? await services.update(editing, parsed.body as Parameters<typeof services.update>[1])
      : await services.create(params.projectId!, parsed.body as Parameters<typeof services.create>[1]);
    navigate(`/services/${saved.id}`);
  });

  /*
   * Accepting keeps the text shown as the service's inline Dockerfile, so the build builds exactly
   * it (the model's, when a provider wrote it; whatever the branch holds), with the branch, build
   * context, target and build args as they are.
   */
  const inline = values.source_type === 'dockerfile' && values.dockerfile_from === 'inline';
  const dockerfileAcceptance: DockerfileAcceptance | undefined =
    values.source_type === 'dockerfile' || values.source_type === 'nixpacks'
      ? {
          inlineDockerfile: inline ? values.dockerfile_content : null,
          dockerfilePath: values.source_type === 'dockerfile' ? values.dockerfile_path : '',
          onAccept: (generated) => setValues((current) => withInlineDockerfile(current, generated.dockerfile)),
        }
      : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const input = (field: ServiceFormField) => ({
    name: field,
    value: values[field],
    error: errors[field],
    onChange: (event: { target: { value: string } }) => setValues((current) => ({ ...current, [field]: event.target.value })),
  });
  const select = (field: ServiceFormField, label: string, options: ReactNode) => {
    const { error, ...props } = input(field);
    return (
      <Field label={label} error={error}>
        {(control) => (
          <select {...control} {...props}>
            {options}
          </select>
        )}
      </Field>
    );
  };

  return (
    <section>
      <h1>{editing ? `Edit ${existing.data?.name ?? 'service'}` : 'New service'}</h1>
      <FailureNotice failure={existing.failure ?? serverList.failure} title="Could not load what the form needs" />
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>Service</legend>
          <Field label="Name" required autoFocus {...input('name')} />
          {editing
            ? null
            : select(
                'server_id',
                'Server',
                <>
                  {serverList.data?.length === 0 ? <option value="">No servers: add one first</option> : null}
                  {serverList.data?.map((server) => (
                    <option key={server.id} value={server.id}>
                      {server.name} ({server.status})
                    </option>
                  ))}
                </>,
              )}
          <Field label="Port" inputMode="numeric" hint="The port the container listens on" {...input('port')} />
          {editing ? null : <Field label="Replicas" inputMode="numeric" {...input('replicas')} />}
        </fieldset>
        <SourceFields values={values} errors={errors} editing={editing !== null} input={input} select={select} />
        <fieldset>
          <legend>Health check</legend>
          {select(
            'health_type',
            'Check',
            <>
              <option value="http">HTTP</option>
              <option value="tcp">TCP</option>
              <option value="none">None</option>
            </>,
          )}
          {values.health_type === 'http' ? <Field label="Path" {...input('health_path')} /> : null}
          {values.health_type === 'none' ? null : (
            <div className="field-row">
              <Field label="Interval (s)" inputMode="numeric" {...input('health_interval')} />
              <Field label="Timeout (s)" inputMode="numeric" {...input('health_timeout')} />
              <Field label="Retries" inputMode="numeric" {...input('health_retries')} />
              <Field label="Start period (s)" inputMode="numeric" {...input('health_start_period')} />
            </div>
          )}
        </fieldset>
        {editing ? (
          <p className="muted">Environment variables are edited on the service page, where secrets stay masked.</p>
        ) : (
          <fieldset>
            <legend>Environment variables</legend>
            <Field label="Variables" error={errors.env} hint="KEY=value, one a line. Mark secrets later on the service page.">
              {(control) => (
                <textarea
                  {...control}
                  name="env"
                  rows={4}
                  value={values.env}
                  onChange={(event) => setValues((current) => ({ ...current, env: event.target.value }))}
                />
              )}
            </Field>
          </fieldset>
        )}
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : editing ? 'Save changes' : 'Create service'}
        </button>
        {Object.keys(errors).length > 0 ? (
          <p className="field-error" role="alert">
            Some fields need attention: {Object.keys(errors).join(', ')}.
          </p>
        ) : null}
        <FailureNotice failure={save.failure} title="Could not save the service" />
      </form>
      {canUseAi ? <DockerfileGenerator acceptance={dockerfileAcceptance} /> : null}
    </section>
  );
}
