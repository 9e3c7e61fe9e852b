import type { ReactNode } from 'react';
import type { FieldErrors, ServiceFormField, ServiceFormValues } from '../../logic/service-form.js';
import { Field } from '../field.js';

/*
 * The service form's source: a prebuilt image with its registry credentials, or a build of the
 * project's repository (its URL and credentials are the project's settings) from a Dockerfile (a
 * file of the repository, or one kept with the service, which "Generate Dockerfile → Accept" writes)
 * or from the Dockerfile the platform's detector writes.
 */

type InputProps = { name: string; value: string; error: string | undefined; onChange: (event: { target: { value: string } }) => void };

export function SourceFields({
  values,
  errors,
  editing,
  input,
  select,
}: {
  values: ServiceFormValues;
  errors: FieldErrors;
  editing: boolean;
  input: (field: ServiceFormField) => InputProps;
  select: (field: ServiceFormField, label: string, options: ReactNode) => ReactNode;
}) {
  const building = values.source_type !== 'image';
  return (
    <fieldset>
      <legend>Source</legend>
      {select(
        'source_type',
        'Built from',
        <>
          <option value="image">A container image</option>
          <option value="dockerfile">The project's repository, with its Dockerfile</option>
          <option value="nixpacks">The project's repository, Dockerfile detected</option>
        </>,
      )}
      {building ? (
        <>
          <Field label="Branch" placeholder="main" hint="Empty: the project's branch. A push to it deploys when auto-deploy is on." {...input('branch')} />
          {values.source_type === 'dockerfile' ? (
            <>
              {select(
                'dockerfile_from',
                'Dockerfile',
                <>
                  <option value="repository">A file of the repository</option>
                  <option value="inline">Inline, kept with the service</option>
                </>,
              )}
              {values.dockerfile_from === 'inline' ? (
                <Field
                  label="Inline Dockerfile"
                  error={errors.dockerfile_content}
                  hint="Built instead of a file of the repository, with the repository's files as its build context. Choose “A file of the repository” above to clear it."
                >
                  {(control) => {
                    const { error: _error, ...props } = input('dockerfile_content');
                    return <textarea {...control} {...props} rows={14} spellCheck={false} className="code" data-testid="inline-dockerfile" />;
                  }}
                </Field>
              ) : null}
              <div className="field-row">
                {values.dockerfile_from === 'inline' ? null : <Field label="Dockerfile path" placeholder="Dockerfile" {...input('dockerfile_path')} />}
                <Field label="Build context" placeholder="." {...input('build_context')} />
                <Field label="Target stage" hint="Optional: docker build --target" {...input('target')} />
              </div>
            </>
          ) : (
            <p className="muted">
              The platform recognises Node, Python, Go, Ruby, Rust and static sites and writes the Dockerfile; each build's log shows it, so you can
              commit it as your own and switch to the Dockerfile source to change it.
            </p>
          )}
          <Field label="Build arguments" error={errors.build_args} hint="KEY=value, one a line (docker build --build-arg)">
            {(control) => {
              const { error: _error, ...props } = input('build_args');
              return <textarea {...control} {...props} rows={3} />;
            }}
          </Field>
        </>
      ) : (
        <>
          <Field label="Registry" placeholder="registry.example.com" {...input('registry')} />
          <Field label="Repository" placeholder="team/web" {...input('repository')} />
          <Field label="Tag" {...input('tag')} />
          <Field label="Registry username" autoComplete="off" hint="Leave empty for a public image" {...input('registry_username')} />
          <Field
            label="Registry password"
            type="password"
            autoComplete="new-password"
            hint={editing ? 'Stored, never shown; type it again only to change the image or credentials' : undefined}
            {...input('registry_password')}
          />
        </>
      )}
    </fieldset>
  );
}
