import { z } from 'zod';
import { HttpUrl, IsoDateTime, JsonObject, Port, StringMap, trimmedText, Uuid } from '../primitives.js';
import { CronExpression } from './cron.js';
import { Pagination } from './queries.js';
import { DeployRequest, ScaleRequest } from './requests.js';
import { TriggerType } from './resources.js';

/*
 * Alert rules with their incidents, and DAG workflow definitions with their runs: the tables
 * `alerts`, `alert_incidents`, `workflows` and `workflow_runs` of contract section 3.1, which has
 * no endpoints for them (ARCHITECTURE correction 5). Storage and API only: evaluating rules and
 * running workflows belong to the ingest and workflow engines.
 */

const Name = trimmedText(255);
const WindowMinutes = z.int().min(1).max(1440).describe('Minutes of data each evaluation looks at');

// Alert rules

export const AlertRuleType = z.enum(['error_rate', 'latency', 'downtime', 'custom']);
export type AlertRuleType = z.infer<typeof AlertRuleType>;

/** What makes a rule fire; `type` is also the row's `alerts.type`. */
export const AlertCondition = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('error_rate'),
    threshold_percent: z.number().gt(0).max(100).describe('Fires when more than this share of spans ends in error'),
    window_minutes: WindowMinutes,
  }),
  z.object({
    type: z.literal('latency'),
    percentile: z.literal([50, 90, 95, 99]),
    threshold_ms: z.number().positive().describe('Fires when the percentile of span durations exceeds this'),
    window_minutes: WindowMinutes,
  }),
  z.object({
    type: z.literal('downtime'),
    consecutive_failures: z.int().min(1).max(100).describe('Failed health checks in a row that make the service down'),
  }),
  z.object({
    type: z.literal('custom'),
    metric: z.string().min(1).max(255).describe('A metric name reported for the service'),
    aggregation: z.enum(['avg', 'min', 'max', 'sum', 'count']),
    operator: z.enum(['gt', 'gte', 'lt', 'lte']),
    threshold: z.number(),
    window_minutes: WindowMinutes,
  }),
]);
export type AlertCondition = z.infer<typeof AlertCondition>;

/**
 * What responses show in place of a credential. Sent back unchanged for a channel that names its
 * `id`, it keeps the stored credential, so a client can edit a rule without knowing its secrets.
 */
export const SECRET_MASK = '********';
const Masked = z.literal(SECRET_MASK);

// Loose on purpose, like members' addresses: `ops@localhost` is a fine self-hosted recipient.
const Email = z.string().max(255).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const ChannelId = Uuid.describe('Set by the server; name it on update to keep the stored credentials');

const webhookFields = {
  type: z.literal('webhook'),
  url: HttpUrl,
};
const slackFields = {
  type: z.literal('slack'),
};
const emailFields = {
  type: z.literal('email'),
  to: z.array(Email).min(1).max(50),
  from: Email,
};
const smtpFields = {
  host: trimmedText(255),
  port: Port,
  security: z.enum(['none', 'starttls', 'tls']).describe('tls: implicit TLS (port 465); starttls: upgrade after connecting (port 587)'),
  username: z.string().min(1).max(255).optional(),
};

/** A notification channel as a request carries it: credentials in full, or the mask to keep them. */
export const AlertChannelInput = z.discriminatedUnion('type', [
  z.object({
    ...webhookFields,
    id: ChannelId.optional(),
    secret: z
      .union([z.string().min(16).max(256), Masked])
      .describe('Signs every delivery: X-Syntra-Signature is sha256=HMAC-SHA256(secret, body) in hex'),
  }),
  z.object({
    ...slackFields,
    id: ChannelId.optional(),
    webhook_url: HttpUrl.describe('A Slack-compatible incoming webhook; the URL is itself the credential'),
  }),
  z.object({
    ...emailFields,
    id: ChannelId.optional(),
    smtp: z.object({ ...smtpFields, password: z.string().min(1).max(255).optional() }),
  }),
]);
export type AlertChannelInput = z.infer<typeof AlertChannelInput>;

/** A channel as responses show it: every credential masked. */
export const AlertChannel = z.discriminatedUnion('type', [
  z.object({ ...webhookFields, id: ChannelId, secret: Masked }),
  z.object({
    ...slackFields,
    id: ChannelId,
    webhook_url: z.string().describe(`The webhook's origin followed by ${SECRET_MASK}`),
  }),
  z.object({ ...emailFields, id: ChannelId, smtp: z.object({ ...smtpFields, password: Masked.optional() }) }),
]);
export type AlertChannel = z.infer<typeof AlertChannel>;

const Channels = z.array(AlertChannelInput).min(1).max(10);

export const AlertRule = z.object({
  id: Uuid,
  org_id: Uuid,
  project_id: Uuid,
  service_id: Uuid.nullable().describe('null: the rule covers every service of the project'),
  name: z.string(),
  type: AlertRuleType,
  condition: AlertCondition,
  channels: z.array(AlertChannel),
  is_active: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type AlertRule = z.infer<typeof AlertRule>;

export const CreateAlertRule = z
  .object({
    name: Name,
    project_id: Uuid.optional().describe('Watch every service of this project'),
    service_id: Uuid.optional().describe('Watch this one service'),
    condition: AlertCondition,
    channels: Channels,
    is_active: z.boolean().optional().describe('Defaults to true'),
  })
  .superRefine((rule, ctx) => {
    if ((rule.project_id === undefined) === (rule.service_id === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of project_id or service_id', path: ['project_id'] });
    }
  })
  // The refinement above, as the document can say it.
  .meta({ oneOf: [{ required: ['project_id'] }, { required: ['service_id'] }] });
export type CreateAlertRule = z.infer<typeof CreateAlertRule>;

/** What a rule watches is fixed at creation: a rule for another target is another rule. */
export const UpdateAlertRule = z.object({
  name: Name.optional(),
  condition: AlertCondition.optional(),
  channels: Channels.optional().describe('Replaces the list; name a channel by id to keep its credentials'),
  is_active: z.boolean().optional(),
});
export type UpdateAlertRule = z.infer<typeof UpdateAlertRule>;

export const AlertListQuery = Pagination.extend({
  project_id: Uuid.optional(),
  service_id: Uuid.optional(),
  type: AlertRuleType.optional(),
});
export type AlertListQuery = z.infer<typeof AlertListQuery>;

export const AlertParams = z.object({ alertId: Uuid });

// Incidents

export const IncidentStatus = z.enum(['firing', 'acknowledged', 'resolved']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const AlertIncident = z.object({
  id: Uuid,
  alert_id: Uuid,
  status: IncidentStatus,
  message: z.string(),
  details: JsonObject.nullable(),
  ai_summary: z.string().nullable(),
  fired_at: IsoDateTime,
  resolved_at: IsoDateTime.nullable(),
  acknowledged_by: Uuid.nullable(),
  acknowledged_at: IsoDateTime.nullable(),
});
export type AlertIncident = z.infer<typeof AlertIncident>;

export const IncidentListQuery = Pagination.extend({
  status: IncidentStatus.optional(),
  alert_id: Uuid.optional(),
});
export type IncidentListQuery = z.infer<typeof IncidentListQuery>;

export const IncidentParams = z.object({ incidentId: Uuid });

// DAG workflows

const Seconds = (max: number) => z.int().min(1).max(max);
const oneWeekSeconds = 7 * 24 * 3600;

export const WorkflowStep = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy'), service_id: Uuid, ...DeployRequest.shape }),
  z.object({ type: z.literal('restart'), service_id: Uuid }),
  z.object({ type: z.literal('scale'), service_id: Uuid, ...ScaleRequest.shape }),
  z.object({
    type: z.literal('http_request'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
    url: HttpUrl,
    headers: StringMap.optional(),
    body: z.string().max(65_536).optional(),
    expect_status: z.array(z.int().min(100).max(599)).min(1).optional().describe('Absent: any 2xx succeeds'),
    timeout_seconds: Seconds(300).optional(),
  }),
  z.object({ type: z.literal('wait'), seconds: Seconds(oneWeekSeconds) }),
  z.object({
    type: z.literal('approval'),
    message: z.string().min(1).max(1000).describe('What the approver is asked'),
    timeout_seconds: Seconds(oneWeekSeconds).optional().describe('Absent: waits until someone decides'),
  }),
]);
export type WorkflowStep = z.infer<typeof WorkflowStep>;

const NodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _, at most 64');

export const WorkflowNode = z.object({ id: NodeId, name: z.string().max(255).optional(), step: WorkflowStep });
export type WorkflowNode = z.infer<typeof WorkflowNode>;

export const WorkflowEdge = z.object({ from: NodeId, to: NodeId }).describe('`to` starts once `from` has succeeded');
export type WorkflowEdge = z.infer<typeof WorkflowEdge>;

type Fault = { path: (string | number)[]; message: string };

/** Duplicate node ids, edges to nowhere and repeated edges: each at its own path. */
function structureFaults(nodes: readonly WorkflowNode[], edges: readonly WorkflowEdge[]): Fault[] {
  const faults: Fault[] = [];
  const firstIndex = new Map<string, number>();
  nodes.forEach(({ id }, index) => {
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else faults.push({ path: ['nodes', index, 'id'], message: `duplicate node id "${id}" (also nodes.${first}.id)` });
  });
  const seenEdges = new Set<string>();
  edges.forEach((edge, index) => {
    for (const end of ['from', 'to'] as const) {
      if (!firstIndex.has(edge[end])) faults.push({ path: ['edges', index, end], message: `dangling edge: no node "${edge[end]}"` });
    }
    const key = `${edge.from}\u0000${edge.to}`;
    if (seenEdges.has(key)) faults.push({ path: ['edges', index], message: `duplicate edge ${edge.from} → ${edge.to}` });
    seenEdges.add(key);
  });
  return faults;
}

/** One cycle as its node ids (first repeated at the end), or undefined for a DAG. */
export function findCycle(nodes: readonly WorkflowNode[], edges: readonly WorkflowEdge[]): string[] | undefined {
  const next = new Map<string, string[]>(nodes.map(({ id }) => [id, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    trail.push(id);
    for (const successor of next.get(id) ?? []) {
      const cycle = visit(successor);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const { id } of nodes) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The graph a run executes: steps in edge order, independent branches in parallel. */
export const WorkflowDefinition = z
  .object({
    nodes: z.array(WorkflowNode).min(1).max(100),
    // uniqueItems says "no edge twice" to the document; the refinement below checks it.
    edges: z.array(WorkflowEdge).max(500).meta({ uniqueItems: true }),
  })
  .describe('Node ids are unique; every edge joins two of the nodes, at most once; the edges form no cycle')
  .superRefine(({ nodes, edges }, ctx) => {
    const faults = structureFaults(nodes, edges);
    for (const fault of faults) ctx.addIssue({ code: 'custom', ...fault });
    if (faults.length > 0) return;
    const cycle = findCycle(nodes, edges);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['edges'], message: `cycle: ${cycle.join(' → ')}` });
  });
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;

export const WorkflowTriggerType = TriggerType.extract(['manual', 'schedule']);

export const Workflow = z.object({
  id: Uuid,
  project_id: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  definition: WorkflowDefinition,
  trigger_type: WorkflowTriggerType.describe('schedule when cron_expression is set'),
  cron_expression: z.string().nullable(),
  is_active: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Workflow = z.infer<typeof Workflow>;

export const CreateWorkflow = z.object({
  name: Name,
  description: z.string().max(10_000).optional(),
  definition: WorkflowDefinition,
  cron_expression: CronExpression.optional().describe('Runs on this schedule (UTC) as well as by hand'),
  is_active: z.boolean().optional().describe('Defaults to true; an inactive workflow is not scheduled'),
});
export type CreateWorkflow = z.infer<typeof CreateWorkflow>;

export const UpdateWorkflow = z.object({
  name: Name.optional(),
  description: z.string().max(10_000).nullable().optional(),
  definition: WorkflowDefinition.optional(),
  cron_expression: CronExpression.nullable().optional().describe('null removes the schedule'),
  is_active: z.boolean().optional(),
});
export type UpdateWorkflow = z.infer<typeof UpdateWorkflow>;

export const WorkflowRunStatus = z.enum(['running', 'waiting_approval', 'succeeded', 'failed', 'cancelled']);
export type WorkflowRunStatus = z.infer<typeof WorkflowRunStatus>;

export const WorkflowRun = z.object({
  id: Uuid,
  workflow_id: Uuid,
  status: WorkflowRunStatus,
  triggered_by: Uuid.nullable(),
  trigger_type: TriggerType.nullable(),
  step_results: JsonObject.describe('Per node id: its outcome'),
  started_at: IsoDateTime,
  finished_at: IsoDateTime.nullable(),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;

export const WorkflowRunListQuery = Pagination.extend({ status: WorkflowRunStatus.optional() });
export type WorkflowRunListQuery = z.infer<typeof WorkflowRunListQuery>;

export const WorkflowParams = z.object({ workflowId: Uuid });
export const WorkflowRunParams = z.object({ runId: Uuid });
