import type { Service } from '../../../contracts/api/resources.js';

/*
 * Where a service's image comes from, as the form holds it: a prebuilt image, or a build of the
 * project's repository from a Dockerfile (a file of the repository, or its text kept with the
 * service) or from what the platform's detector writes (nixpacks).
 * The image fields live in service-form.ts; these are the build's.
 */

export type FormSourceType = 'image' | 'dockerfile' | 'nixpacks';

export interface SourceFormValues {
  source_type: FormSourceType;
  branch: string;
  /** A dockerfile source's Dockerfile: a file of the repository, or its text kept with the service. */
  dockerfile_from: 'repository' | 'inline';
  dockerfile_path: string;
  /** The inline Dockerfile, exactly as it is built (never trimmed). */
  dockerfile_content: string;
  build_context: string;
  target: string;
  /** `KEY=value`, one a line: docker build --build-arg. */
  build_args: string;
}

export const emptySourceForm: SourceFormValues = {
  source_type: 'image',
  branch: '',
  dockerfile_from: 'repository',
  dockerfile_path: '',
  dockerfile_content: '',
  build_context: '',
  target: '',
  build_args: '',
};

export const sourceFormFields = Object.keys(emptySourceForm) as (keyof SourceFormValues)[];

/** The build fields of a service, for editing (an image service keeps the defaults). */
export function sourceFormOf(service: Service): SourceFormValues {
  if (service.source_type !== 'dockerfile' && service.source_type !== 'nixpacks') return emptySourceForm;
  const config = service.source_config;
  const lines = Object.entries(config.build_args ?? {}).map(([key, value]) => `${key}=${value}`).join('\n');
  const base = { ...emptySourceForm, source_type: service.source_type, branch: config.branch ?? '', build_args: lines };
  if (service.source_type === 'nixpacks') return base;
  const { dockerfile_content: inline } = service.source_config;
  return {
    ...base,
    dockerfile_from: inline === undefined ? 'repository' : 'inline',
    dockerfile_path: service.source_config.dockerfile_path ?? '',
    dockerfile_content: inline ?? '',
    build_context: service.source_config.build_context ?? '',
    target: service.source_config.target ?? '',
  };
}

/** Accepting a generated Dockerfile: the service builds exactly that text, its branch, context, target and build args kept. */
export function withInlineDockerfile<Values extends SourceFormValues>(values: Values, dockerfile: string): Values {
  return { ...values, source_type: 'dockerfile', dockerfile_from: 'inline', dockerfile_content: dockerfile };
}

/** The `source_config` of a build; empty fields are left out, so the API's defaults apply. */
export function buildSourceOf(values: SourceFormValues, buildArgs: Record<string, string>) {
  const optional = (key: string, text: string) => (text.trim() === '' ? {} : { [key]: text.trim() });
  const shared = { ...optional('branch', values.branch), ...(Object.keys(buildArgs).length > 0 ? { build_args: buildArgs } : {}) };
  if (values.source_type === 'nixpacks') return { source_type: 'nixpacks' as const, source_config: shared };
  return {
    source_type: 'dockerfile' as const,
    source_config: {
      ...shared,
      // The other kind of Dockerfile is left out, so saving one clears the other.
      ...(values.dockerfile_from === 'inline' ? { dockerfile_content: values.dockerfile_content } : optional('dockerfile_path', values.dockerfile_path)),
      ...optional('build_context', values.build_context),
      ...optional('target', values.target),
    },
  };
}
