import { useState, type FormEvent } from 'react';
import type { Project } from '../../../../contracts/api/resources.js';
import { projects } from '../../api/endpoints.js';
import { useAction } from '../../hooks.js';
import {
  newWebhookSecret,
  repositoryUpdateOf,
  webhookUrlOf,
  type RepositoryFormErrors,
  type RepositoryFormValues,
} from '../../logic/repository-settings.js';
import { FailureNotice } from '../failure-notice.js';
import { Field } from '../field.js';

/*
 * A project's repository: its URL and branch, the credential agents fetch it with, and the push
 * webhook (the URL and secret to paste into GitHub, GitLab, Gitea or Forgejo). Credential and
 * secret are write-only: the form says whether one is stored, never what it is; a new secret is
 * shown once, when it is generated, so it can be copied to the git host.
 */
export function RepositorySettings({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const [values, setValues] = useState<RepositoryFormValues>({
    git_repo_url: project.git_repo_url ?? '',
    git_branch: project.git_branch ?? '',
    credential_kind: 'keep',
    token_username: '',
    token: '',
    private_key: '',
    webhook_secret: '',
  });
  const [errors, setErrors] = useState<RepositoryFormErrors>({});
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const parsed = repositoryUpdateOf(values);
    setErrors(parsed.ok ? {} : parsed.errors);
    if (!parsed.ok) return;
    await projects.update(project.id, parsed.body);
    setSaved(true);
    onSaved();
  });
  const input = (field: keyof RepositoryFormValues) => ({
    name: field,
    value: values[field],
    error: errors[field],
    onChange: (event: { target: { value: string } }) => {
      setSaved(false);
      setValues((current) => ({ ...current, [field]: event.target.value }));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const webhookUrl = webhookUrlOf(window.location.origin, project.id);

  return (
    <form onSubmit={submit} noValidate aria-labelledby="repository-heading">
      <h2 id="repository-heading">Repository</h2>
      <Field label="Repository URL" placeholder="https://github.com/team/app.git" {...input('git_repo_url')} />
      <Field label="Default branch" placeholder="main" {...input('git_branch')} />
      <Field label="Credential" hint={project.git_credentials_set ? 'A credential is stored (never shown).' : 'None stored: the repository must be public.'}>
        {(control) => (
          <select {...control} name="credential_kind" value={values.credential_kind} onChange={input('credential_kind').onChange}>
            <option value="keep">{project.git_credentials_set ? 'Keep the stored credential' : 'No credential'}</option>
            <option value="token">An access token (https)</option>
            <option value="ssh">A deploy key (ssh)</option>
            {project.git_credentials_set ? <option value="none">Remove the stored credential</option> : null}
          </select>
        )}
      </Field>
      {values.credential_kind === 'token' ? (
        <div className="field-row">
          <Field label="Token username" placeholder="x-access-token" autoComplete="off" {...input('token_username')} />
          <Field label="Access token" type="password" autoComplete="new-password" {...input('token')} />
        </div>
      ) : null}
      {values.credential_kind === 'ssh' ? (
        <Field label="Deploy key (private)" error={errors.private_key}>
          {(control) => {
            const { error: _error, ...props } = input('private_key');
            return <textarea {...control} {...props} rows={4} autoComplete="off" spellCheck={false} />;
          }}
        </Field>
      ) : null}
      <h3>Push to deploy</h3>
      <p>
        In the git host's webhook settings, add <code data-testid="webhook-url">{webhookUrl}</code> for push events, content type
        application/json, with the secret below. Services on the pushed branch with auto-deploy then deploy the pushed commit.
      </p>
      <p className="muted">{project.git_webhook_secret_set ? 'A webhook secret is stored (never shown); a new one replaces it.' : 'No webhook secret yet: pushes are refused.'}</p>
      <div className="field-row">
        <Field label="New webhook secret" autoComplete="off" hint="At least 16 characters; copy it to the git host before saving" {...input('webhook_secret')} />
        <button type="button" onClick={() => setValues((current) => ({ ...current, webhook_secret: newWebhookSecret() }))}>
          Generate a secret
        </button>
      </div>
      <button type="submit" className="primary" disabled={save.busy}>
        {save.busy ? 'Saving…' : 'Save repository settings'}
      </button>
      {saved ? (
        <p role="status" className="muted">
          Saved.
        </p>
      ) : null}
      <FailureNotice failure={save.failure} title="Could not save the repository settings" />
    </form>
  );
}
