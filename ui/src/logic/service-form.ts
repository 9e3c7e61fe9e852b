import { CreateService, UpdateService } from '../../../contracts/api/requests.js';
import type { Service } from '../../../contracts/api/resources.js';
import type { HealthCheckConfig } from '../../../contracts/websocket/health-check.js';
import { buildSourceOf, emptySourceForm, sourceFormFields, sourceFormOf, type SourceFormValues } from './service-source.js';

/*
 * The service form holds what the user typed, as text; this turns it into the contract's
 * CreateService or UpdateService body and validates it with the contract's own schemas, so the
 * form rejects exactly what the API would, with the message beside the field that caused it.
 */

export interface ServiceFormValues extends SourceFormValues {
  name: string;
  server_id: string;
  registry: string;
  repository: string;
  tag: string;
  registry_username: string;
  registry_password: string;
  port: string;
  replicas: string;
  /** `KEY=value`, one a line. */
  env: string;
  health_type: 'none' | 'http' | 'tcp';
  health_path: string;
  health_interval: string;
  health_timeout: string;
  health_retries: string;
  health_start_period: string;
}
export type ServiceFormField = keyof ServiceFormValues;
export type FieldErrors = Partial<Record<ServiceFormField, string>>;

export const emptyServiceForm: ServiceFormValues = {
  ...emptySourceForm,
  name: '',
  server_id: '',
  registry: '',
  repository: '',
  tag: 'latest',
  registry_username: '',
  registry_password: '',
  port: '8080',
  replicas: '1',
  env: '',
  health_type: 'http',
  health_path: '/health',
  health_interval: '10',
  health_timeout: '5',
  health_retries: '3',
  health_start_period: '0',
};

/** The form filled with a service's current settings, for editing. */
export function serviceFormOf(service: Service): ServiceFormValues {
  const image = service.source_type === 'image' ? service.source_config : null;
  const check = service.health_check;
  return {
    ...emptyServiceForm,
    ...sourceFormOf(service),
    name: service.name,
    server_id: service.server_id,
    registry: image?.image.registry ?? '',
    repository: image?.image.repository ?? '',
    tag: image?.image.tag ?? '',
    // The password is write-only: left empty, the edit keeps the stored one.
    registry_username: image?.registry_auth?.username ?? '',
    port: service.port === null ? '' : String(service.port),
    replicas: String(service.replicas),
    health_type: check === null ? 'none' : check.type === 'exec' ? 'none' : check.type,
    health_path: check?.type === 'http' ? (check.path ?? '/') : emptyServiceForm.health_path,
    health_interval: String(check?.interval_seconds ?? emptyServiceForm.health_interval),
    health_timeout: String(check?.timeout_seconds ?? emptyServiceForm.health_timeout),
    health_retries: String(check?.retries ?? emptyServiceForm.health_retries),
    health_start_period: String(check?.start_period_seconds ?? emptyServiceForm.health_start_period),
  };
}

const zodPathFields: Record<string, ServiceFormField> = {
  name: 'name',
  server_id: 'server_id',
  port: 'port',
  replicas: 'replicas',
  'source_config.image.registry': 'registry',
  'source_config.image.repository': 'repository',
  'source_config.image.tag': 'tag',
  'source_config.registry_auth.username': 'registry_username',
  'source_config.registry_auth.password': 'registry_password',
  'health_check.path': 'health_path',
  'health_check.interval_seconds': 'health_interval',
  'health_check.timeout_seconds': 'health_timeout',
  'health_check.retries': 'health_retries',
  'health_check.start_period_seconds': 'health_start_period',
  env_vars: 'env',
  'source_config.branch': 'branch',
  'source_config.dockerfile_path': 'dockerfile_path',
  'source_config.dockerfile_content': 'dockerfile_content',
  'source_config.build_context': 'build_context',
  'source_config.target': 'target',
  'source_config.build_args': 'build_args',
};

function fieldOfPath(path: readonly PropertyKey[]): ServiceFormField | null {
  for (let length = path.length; length > 0; length -= 1) {
    const field = zodPathFields[path.slice(0, length).map(String).join('.')];
    if (field) return field;
  }
  return null;
}

/** `KEY=value` lines into a map; a line without `=` or a key used twice is an error. */
export function parseEnvLines(text: string): { vars: Record<string, string> } | { error: string } {
  const vars: Record<string, string> = {};
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  for (const [index, line] of lines.entries()) {
    const equals = line.indexOf('=');
    if (equals <= 0) return { error: `Line ${index + 1} is not KEY=value` };
    const key = line.slice(0, equals).trim();
    if (key in vars) return { error: `${key} is set twice` };
    vars[key] = line.slice(equals + 1);
  }
  return { vars };
}

const wholeNumber = /^\d+$/;

type Parsed<Body> = { ok: true; body: Body } | { ok: false; errors: FieldErrors };

function numbersOf(values: ServiceFormValues, fields: ServiceFormField[]): { numbers: Partial<Record<ServiceFormField, number>>; errors: FieldErrors } {
  const numbers: Partial<Record<ServiceFormField, number>> = {};
  const errors: FieldErrors = {};
  for (const field of fields) {
    const text = values[field].trim();
    if (wholeNumber.test(text)) numbers[field] = Number(text);
    else errors[field] = text === '' ? 'Required' : 'Must be a whole number';
  }
  return { numbers, errors };
}

function healthCheckOf(values: ServiceFormValues, numbers: Partial<Record<ServiceFormField, number>>): HealthCheckConfig | null {
  if (values.health_type === 'none') return null;
  const timing = {
    interval_seconds: numbers.health_interval!,
    timeout_seconds: numbers.health_timeout!,
    retries: numbers.health_retries!,
    start_period_seconds: numbers.health_start_period!,
  };
  return values.health_type === 'http' ? { type: 'http', path: values.health_path.trim() || '/', ...timing } : { type: 'tcp', ...timing };
}

const healthNumberFields: ServiceFormField[] = ['health_interval', 'health_timeout', 'health_retries', 'health_start_period'];

function errorsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = fieldOfPath(issue.path) ?? 'name';
    errors[field] ??= issue.message;
  }
  return errors;
}

function imageSourceOf(values: ServiceFormValues) {
  const username = values.registry_username.trim();
  const password = values.registry_password;
  return {
    source_type: 'image' as const,
    source_config: {
      image: { registry: values.registry.trim(), repository: values.repository.trim(), tag: values.tag.trim() },
      ...(username || password ? { registry_auth: { username, password } } : {}),
    },
  };
}

/** The image or build source of the form; build args malformed are the `build_args` field's error. */
function sourceOf(values: ServiceFormValues): { source: ReturnType<typeof imageSourceOf> | ReturnType<typeof buildSourceOf> } | { errors: FieldErrors } {
  if (values.source_type === 'image') return { source: imageSourceOf(values) };
  const args = parseEnvLines(values.build_args);
  return 'error' in args ? { errors: { build_args: args.error } } : { source: buildSourceOf(values, args.vars) };
}

/** The CreateService body of a filled form, or the errors to show beside its fields. */
export function createServiceBody(values: ServiceFormValues): Parsed<CreateService> {
  const numberFields: ServiceFormField[] = ['port', 'replicas', ...(values.health_type === 'none' ? [] : healthNumberFields)];
  const { numbers, errors } = numbersOf(values, numberFields);
  const env = parseEnvLines(values.env);
  if ('error' in env) errors.env = env.error;
  const source = sourceOf(values);
  if ('errors' in source) Object.assign(errors, source.errors);
  if (Object.keys(errors).length > 0 || 'errors' in source) return { ok: false, errors };
  const healthCheck = healthCheckOf(values, numbers);
  const parsed = CreateService.safeParse({
    name: values.name,
    server_id: values.server_id,
    port: numbers.port,
    replicas: numbers.replicas,
    ...('vars' in env && Object.keys(env.vars).length > 0 ? { env_vars: env.vars } : {}),
    ...(healthCheck ? { health_check: healthCheck } : {}),
    ...source.source,
  });
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, errors: errorsOf(parsed.error.issues) };
}

/**
 * The UpdateService body of an edited form. The registry password is write-only, so a changed
 * image with stored credentials needs the password typed again; an unchanged one is left out.
 */
export function updateServiceBody(values: ServiceFormValues, original: ServiceFormValues): Parsed<UpdateService> {
  const numberFields: ServiceFormField[] = ['port', ...(values.health_type === 'none' ? [] : healthNumberFields)];
  const { numbers, errors } = numbersOf(values, numberFields);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const sourceFields: ServiceFormField[] = ['registry', 'repository', 'tag', 'registry_username', 'registry_password', ...sourceFormFields];
  // A Dockerfile's text is compared whole: it is saved exactly as written.
  const sourceChanged = sourceFields.some((field) =>
    field === 'dockerfile_content' ? values[field] !== original[field] : values[field].trim() !== original[field].trim(),
  );
  if (sourceChanged && values.source_type === 'image' && values.registry_username.trim() !== '' && values.registry_password === '') {
    return { ok: false, errors: { registry_password: 'Type the registry password again to change the image' } };
  }
  const source = sourceChanged ? sourceOf(values) : null;
  if (source && 'errors' in source) return { ok: false, errors: source.errors };
  const parsed = UpdateService.safeParse({
    name: values.name,
    port: numbers.port,
    health_check: healthCheckOf(values, numbers),
    ...(source ? source.source : {}),
  });
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, errors: errorsOf(parsed.error.issues) };
}
