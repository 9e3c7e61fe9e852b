import { z } from 'zod';
import { HttpUrl, IsoDateTime, JsonObject, Port, StringMap, trimmedText, Uuid } from '../primitives.js';
import { CronExpression, TimeZone } from './cron.js';
import { WorkflowDefinition } from './dag-definition.js';
import { Pagination } from './queries.js';
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

/** `POST /alerts/:alertId/test`: a test notice sent to each of the rule's channels now, and how each went. */
export const AlertTestResult = z.object({
  channels: z.array(
    z.object({
      id: ChannelId,
      type: z.enum(['webhook', 'slack', 'email']),
      delivered: z.boolean(),
      error: z.string().nullable().describe("Why the channel refused or did not answer; null when delivered"),
    }),
  ),
});
export type AlertTestResult = z.infer<typeof AlertTestResult>;

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

// DAG workflows: the definition's graph is in dag-definition.ts

export const WorkflowTriggerType = TriggerType.extract(['manual', 'schedule']);

export const ScheduleOverlapPolicy = z.enum(['skip', 'buffer_one', 'allow_all', 'cancel_other']);
export type ScheduleOverlapPolicy = z.infer<typeof ScheduleOverlapPolicy>;

/** Temporal's own default catch-up window is a year: a year of missed runs replayed after an outage. */
export const DEFAULT_CATCHUP_WINDOW_SECONDS = 60;

export const WorkflowSchedule = z.object({
  timezone: z.string(),
  overlap_policy: ScheduleOverlapPolicy,
  catchup_window_seconds: z.int(),
  paused: z.boolean(),
  next_fire_times: z.array(IsoDateTime).describe('The next five, empty when paused or inactive'),
  temporal_schedule_id: z.string(),
});

export const Workflow = z.object({
  id: Uuid,
  project_id: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  definition: WorkflowDefinition,
  version: z.int().describe('Every save of the definition is a new version; a run keeps the one it started with'),
  trigger_type: WorkflowTriggerType.describe('schedule when cron_expression is set'),
  cron_expression: z.string().nullable(),
  schedule: WorkflowSchedule.nullable().describe('null without a cron expression'),
  is_active: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type Workflow = z.infer<typeof Workflow>;

const scheduleSettings = {
  timezone: TimeZone.optional().describe('Where the cron expression is read; defaults to UTC'),
  overlap_policy: ScheduleOverlapPolicy.optional().describe('When a run is still going at the next fire time; defaults to skip'),
  catchup_window_seconds: z
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional()
    .describe(`How late a fire missed during an outage may still run; defaults to ${DEFAULT_CATCHUP_WINDOW_SECONDS}`),
};

export const CreateWorkflow = z.object({
  name: Name,
  description: z.string().max(10_000).optional(),
  definition: WorkflowDefinition,
  cron_expression: CronExpression.optional().describe('Runs on this schedule as well as by hand'),
  ...scheduleSettings,
  is_active: z.boolean().optional().describe('Defaults to true; an inactive workflow is not scheduled'),
});
export type CreateWorkflow = z.infer<typeof CreateWorkflow>;

export const UpdateWorkflow = z.object({
  name: Name.optional(),
  description: z.string().max(10_000).nullable().optional(),
  definition: WorkflowDefinition.optional().describe('Saved as a new version; runs in flight keep theirs'),
  cron_expression: CronExpression.nullable().optional().describe('null removes the schedule'),
  ...scheduleSettings,
  is_active: z.boolean().optional(),
});
export type UpdateWorkflow = z.infer<typeof UpdateWorkflow>;

/** One saved version of a definition: every save of the graph makes one, never changed after. */
export const WorkflowVersion = z.object({
  version: z.int(),
  definition: WorkflowDefinition,
  created_by: z.object({ id: Uuid, email: z.string(), name: z.string().nullable() }).nullable().describe('null: saved before versions were kept, or the user is gone'),
  created_at: IsoDateTime,
});
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;

export const WorkflowRunStatus = z.enum(['running', 'waiting_approval', 'succeeded', 'failed', 'cancelled']);
export type WorkflowRunStatus = z.infer<typeof WorkflowRunStatus>;

export const DagNodeState = z.enum(['pending', 'running', 'waiting_approval', 'succeeded', 'failed', 'skipped', 'cancelled']);
export type DagNodeState = z.infer<typeof DagNodeState>;

/** One node of a run as the interpreter's activities recorded it. */
export const DagNodeResult = z.object({
  state: DagNodeState,
  attempts: z.int(),
  started_at: IsoDateTime.nullable(),
  finished_at: IsoDateTime.nullable(),
  output: JsonObject.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type DagNodeResult = z.infer<typeof DagNodeResult>;

export const WorkflowRun = z.object({
  id: Uuid,
  workflow_id: Uuid,
  version: z.int().nullable().describe('The definition version the run executes'),
  status: WorkflowRunStatus,
  triggered_by: Uuid.nullable(),
  trigger_type: TriggerType.nullable(),
  inputs: StringMap,
  step_results: z.record(z.string(), DagNodeResult).describe('Per node id: its state, attempts, times, output and error'),
  temporal_workflow_id: z.string().nullable(),
  temporal_web_url: z.string().nullable().describe('The run in Temporal Web, when the API knows its address'),
  started_at: IsoDateTime,
  finished_at: IsoDateTime.nullable(),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;

export const StartWorkflowRun = z.object({
  inputs: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.string().max(4096)).optional().describe('Read by steps as {{ inputs.<name> }}'),
});
export type StartWorkflowRun = z.infer<typeof StartWorkflowRun>;

export const ApprovalDecision = z.object({ comment: z.string().max(1000).optional() });
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const WorkflowRunListQuery = Pagination.extend({ status: WorkflowRunStatus.optional(), trigger_type: TriggerType.optional() });
export type WorkflowRunListQuery = z.infer<typeof WorkflowRunListQuery>;

export const WorkflowParams = z.object({ workflowId: Uuid });
export const WorkflowRunParams = z.object({ runId: Uuid });
export const WorkflowRunNodeParams = z.object({ runId: Uuid, nodeId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
