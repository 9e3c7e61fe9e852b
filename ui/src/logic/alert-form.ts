import { AlertCondition, CreateAlertRule, UpdateAlertRule, type AlertRule } from '../../../contracts/api/automation.js';

/* The alert rule form's text → the contract's request, validated by its own schemas, errors per field. */

export interface AlertDraft {
  name: string;
  projectId: string;
  serviceId: string;
  type: 'error_rate' | 'latency' | 'downtime';
  threshold: string;
  percentile: '50' | '90' | '95' | '99';
  windowMinutes: string;
  webhookUrl: string;
  webhookSecret: string;
}

export const emptyAlertDraft: AlertDraft = {
  name: '',
  projectId: '',
  serviceId: '',
  type: 'error_rate',
  threshold: '5',
  percentile: '95',
  windowMinutes: '5',
  webhookUrl: '',
  webhookSecret: '',
};

export function draftOf(rule: AlertRule): AlertDraft {
  const condition = rule.condition;
  return {
    ...emptyAlertDraft,
    name: rule.name,
    projectId: rule.project_id,
    serviceId: rule.service_id ?? '',
    type: condition.type === 'custom' ? 'error_rate' : condition.type,
    threshold: String(
      condition.type === 'error_rate' ? condition.threshold_percent : condition.type === 'latency' ? condition.threshold_ms : condition.type === 'downtime' ? condition.consecutive_failures : condition.threshold,
    ),
    percentile: condition.type === 'latency' ? (String(condition.percentile) as AlertDraft['percentile']) : '95',
    windowMinutes: 'window_minutes' in condition ? String(condition.window_minutes) : '5',
  };
}

function conditionOf(draft: AlertDraft): unknown {
  const threshold = Number(draft.threshold);
  const window_minutes = Number(draft.windowMinutes);
  if (draft.type === 'error_rate') return { type: 'error_rate', threshold_percent: threshold, window_minutes };
  if (draft.type === 'latency') return { type: 'latency', percentile: Number(draft.percentile), threshold_ms: threshold, window_minutes };
  return { type: 'downtime', consecutive_failures: threshold };
}

export type AlertFormErrors = Partial<Record<'name' | 'target' | 'threshold' | 'windowMinutes' | 'webhookUrl' | 'webhookSecret', string>>;

const fieldOfPath: Record<string, keyof AlertFormErrors> = {
  name: 'name',
  project_id: 'target',
  service_id: 'target',
  threshold_percent: 'threshold',
  threshold_ms: 'threshold',
  consecutive_failures: 'threshold',
  window_minutes: 'windowMinutes',
  url: 'webhookUrl',
  secret: 'webhookSecret',
};

function errorsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): AlertFormErrors {
  const errors: AlertFormErrors = {};
  for (const issue of issues) {
    const field = fieldOfPath[String(issue.path.at(-1))];
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return errors;
}

export type AlertFormResult<Request> = { ok: true; request: Request } | { ok: false; errors: AlertFormErrors };

export function createRequest(draft: AlertDraft): AlertFormResult<CreateAlertRule> {
  const parsed = CreateAlertRule.safeParse({
    name: draft.name.trim(),
    ...(draft.serviceId ? { service_id: draft.serviceId } : draft.projectId ? { project_id: draft.projectId } : {}),
    condition: conditionOf(draft),
    channels: [{ type: 'webhook', url: draft.webhookUrl.trim(), secret: draft.webhookSecret }],
  });
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, errors: errorsOf(parsed.error.issues) };
}

/** An edit changes the name and the condition; the channels keep their stored credentials. */
export function updateRequest(draft: AlertDraft): AlertFormResult<UpdateAlertRule> {
  const condition = AlertCondition.safeParse(conditionOf(draft));
  const parsed = UpdateAlertRule.safeParse({ name: draft.name.trim(), condition: condition.success ? condition.data : undefined });
  const issues = [...(condition.success ? [] : condition.error.issues), ...(parsed.success ? [] : parsed.error.issues)];
  return parsed.success && condition.success ? { ok: true, request: parsed.data } : { ok: false, errors: errorsOf(issues) };
}
