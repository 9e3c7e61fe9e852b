import { z } from 'zod';
import { ApiErrorCode } from './api/envelope.js';
import { WorkflowRun } from './api/automation.js';
import { ServiceDomain } from './api/domains.js';
import { ErrorGroup } from './api/observability.js';
import { DeploymentEvent } from './api/resources.js';
import { Uuid } from './primitives.js';
import { LogEntry } from './telemetry/records.js';

/*
 * Live updates for browsers over socket.io (path `/socket.io`). A client authenticates in the
 * handshake (the session cookie, or `auth: { token }` with a user or project token), then joins
 * rooms; the server sends each room's events as they happen. Nothing here is new data: every
 * event is also readable through the REST API, so a client that reconnects re-reads and resumes.
 */

/**
 * `service`: deployment events and domain status changes. `deployment`: deployment events. `service_logs`: the service's new log lines (a
 * live tail). `project_issues`: the project's new and regressed issues. `workflow_run`: a DAG
 * run, sent whole each time a node or the run changes.
 */
export const LiveRoom = z.object({
  kind: z.enum(['service', 'deployment', 'service_logs', 'project_issues', 'workflow_run']),
  id: Uuid,
});
export type LiveRoom = z.infer<typeof LiveRoom>;

/** The client's `subscribe` and `unsubscribe` requests, each answered through its ack callback. */
export const LiveSubscription = z.object({ room: LiveRoom });
export type LiveSubscription = z.infer<typeof LiveSubscription>;

export const LiveAck = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.object({ code: ApiErrorCode, message: z.string() }) }),
]);
export type LiveAck = z.infer<typeof LiveAck>;

/** `deployment_event`, to the rooms of its deployment and its service: a progress report or a status change. */
export const LiveDeploymentEvent = z.object({
  deployment_id: Uuid,
  service_id: Uuid,
  event: DeploymentEvent,
});
export type LiveDeploymentEvent = z.infer<typeof LiveDeploymentEvent>;

/**
 * `domain_status`, to its service's room: a domain whose certificate state changed (an agent's
 * heartbeat reported a new status, expiry or ACME error), as `GET /services/:id/domains` lists it.
 */
export const LiveDomainStatus = z.object({ service_id: Uuid, domain: ServiceDomain });
export type LiveDomainStatus = z.infer<typeof LiveDomainStatus>;

/**
 * `log_lines`, to a service's `service_logs` room: lines stored since the previous message, oldest
 * first. A tail: a line that arrives late with an older timestamp than those already sent is in
 * the REST API's logs but not sent live.
 */
export const LiveLogLines = z.object({ service_id: Uuid, lines: z.array(LogEntry) });
export type LiveLogLines = z.infer<typeof LiveLogLines>;

/** `build_log`, to its deployment's and service's rooms: new lines of a running build, numbered from 0. */
export const LiveBuildLog = z.object({
  deployment_id: Uuid,
  service_id: Uuid,
  lines: z.array(z.object({ line_no: z.int().min(0), at: z.string(), text: z.string() })),
});
export type LiveBuildLog = z.infer<typeof LiveBuildLog>;

/** `issue`, to its project's `project_issues` room: an issue seen for the first time, or whose status changed. */
export const LiveIssue = z.object({ project_id: Uuid, issue: ErrorGroup });
export type LiveIssue = z.infer<typeof LiveIssue>;

/** `workflow_run`, to its room: the run as `GET /workflow-runs/:id` has it, after each recorded change. */
export const LiveWorkflowRun = z.object({ run: WorkflowRun });
export type LiveWorkflowRun = z.infer<typeof LiveWorkflowRun>;

export const LIVE_PATH = '/socket.io';

/** Event names in both directions, so client and server cannot disagree on a spelling. */
export const liveEvents = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  deploymentEvent: 'deployment_event',
  domainStatus: 'domain_status',
  logLines: 'log_lines',
  buildLog: 'build_log',
  issue: 'issue',
  workflowRun: 'workflow_run',
} as const;

export const liveRoomName = (room: LiveRoom) => `${room.kind}:${room.id}`;
