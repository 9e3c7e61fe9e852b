import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AlertStatus, AlertType, Defaulted, Json, Timestamp, TriggerType } from '../column-types.js';

/* Alert rules, their incidents and the incidents' notifications, DAG workflow definitions and their runs. */

export interface AlertsTable {
  id: Generated<string>;
  org_id: string;
  project_id: string | null;
  service_id: string | null;
  name: string;
  type: AlertType;
  condition: Json;
  channels: Json;
  is_active: Generated<boolean | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
}

export type AlertRow = Selectable<AlertsTable>;
export type NewAlert = Insertable<AlertsTable>;
export type AlertUpdate = Updateable<AlertsTable>;

export interface AlertIncidentsTable {
  id: Generated<string>;
  alert_id: string;
  status: Generated<AlertStatus | null>;
  message: string;
  details: Json | null;
  ai_summary: string | null;
  fired_at: Defaulted<Timestamp>;
  resolved_at: Timestamp | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  /** 0009: when the "fired" / "resolved" notifications were claimed for sending. */
  fire_notified_at: Defaulted<Timestamp | null>;
  resolve_notified_at: Defaulted<Timestamp | null>;
}

export type AlertIncidentRow = Selectable<AlertIncidentsTable>;
export type NewAlertIncident = Insertable<AlertIncidentsTable>;
export type AlertIncidentUpdate = Updateable<AlertIncidentsTable>;

export type AlertNotice = 'fired' | 'resolved';
export type AlertNotificationStatus = 'pending' | 'delivered' | 'failed';

/** 0011: one incident notice to one channel of its rule, sent until delivered or given up. */
export interface AlertNotificationsTable {
  id: Generated<string>;
  incident_id: string;
  notice: AlertNotice;
  channel_id: string;
  /** The contract's `AlertIncident` as the notice was claimed. */
  incident: Json;
  status: Generated<AlertNotificationStatus>;
  attempts: Generated<number>;
  queued_at: Timestamp;
  next_attempt_at: Timestamp;
  last_attempt_at: Timestamp | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
}

export type AlertNotificationRow = Selectable<AlertNotificationsTable>;
export type NewAlertNotification = Insertable<AlertNotificationsTable>;

export interface WorkflowsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  description: string | null;
  definition: Json;
  trigger_type: Generated<TriggerType | null>;
  cron_expression: string | null;
  is_active: Generated<boolean | null>;
  created_at: Defaulted<Timestamp | null>;
  updated_at: Defaulted<Timestamp | null>;
  /** 0016: the newest version's number, and the schedule's settings. */
  version: Generated<number>;
  timezone: Generated<string>;
  overlap_policy: Generated<string>;
  catchup_window_seconds: Generated<number>;
  schedule_paused: Generated<boolean>;
}

export type WorkflowRow = Selectable<WorkflowsTable>;
export type NewWorkflow = Insertable<WorkflowsTable>;
export type WorkflowUpdate = Updateable<WorkflowsTable>;

export interface WorkflowRunsTable {
  id: Generated<string>;
  workflow_id: string;
  /** VARCHAR(50) in the contract, not an enum. */
  status: Generated<string | null>;
  triggered_by: string | null;
  trigger_type: TriggerType | null;
  step_results: Defaulted<Json | null>;
  started_at: Defaulted<Timestamp | null>;
  finished_at: Timestamp | null;
  /** 0016: the version it runs, its inputs, the run that started it as a step, its Temporal workflow. */
  version_id: string | null;
  inputs: Defaulted<Json>;
  parent_run_id: string | null;
  temporal_workflow_id: string | null;
}

export type WorkflowRunRow = Selectable<WorkflowRunsTable>;
export type NewWorkflowRun = Insertable<WorkflowRunsTable>;
export type WorkflowRunUpdate = Updateable<WorkflowRunsTable>;

/** 0016: one saved definition, never changed; runs point at the one they execute. */
export interface WorkflowVersionsTable {
  id: Generated<string>;
  workflow_id: string;
  version: number;
  definition: Json;
  created_by: string | null;
  created_at: Defaulted<Timestamp>;
}

export type WorkflowVersionRow = Selectable<WorkflowVersionsTable>;
