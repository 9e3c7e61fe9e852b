import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Defaulted, IssueSeverity, IssueStatus, Int8, Json, Timestamp } from '../column-types.js';

/* Telemetry kept in PostgreSQL: issues and their events and users, health check results, the telemetry batches seen. */

export interface ErrorGroupsTable {
  id: Generated<string>;
  service_id: string;
  fingerprint: string;
  title: string;
  exception_type: string | null;
  status: Generated<IssueStatus | null>;
  severity: Generated<IssueSeverity | null>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  event_count: Defaulted<Int8 | null>;
  user_count: Generated<number | null>;
  assigned_to: string | null;
  ai_analysis: Json | null;
  ai_analyzed_at: Timestamp | null;
  resolved_at: Timestamp | null;
  created_at: Defaulted<Timestamp | null>;
}

export type ErrorGroupRow = Selectable<ErrorGroupsTable>;
export type NewErrorGroup = Insertable<ErrorGroupsTable>;
export type ErrorGroupUpdate = Updateable<ErrorGroupsTable>;

export interface ErrorEventsTable {
  id: Generated<string>;
  error_group_id: string;
  deployment_id: string | null;
  stack_trace: Json;
  breadcrumbs: Json | null;
  context: Json | null;
  environment: string | null;
  release: string | null;
  user_id_hash: string | null;
  timestamp: Timestamp;
  created_at: Defaulted<Timestamp | null>;
}

export type ErrorEventRow = Selectable<ErrorEventsTable>;
export type NewErrorEvent = Insertable<ErrorEventsTable>;

/** 0009: each issue's distinct users, by hashed user id (`error_groups.user_count` counts them). */
export interface ErrorGroupUsersTable {
  error_group_id: string;
  user_id_hash: string;
}

export interface HealthChecksTable {
  id: Defaulted<Int8>;
  service_id: string;
  status_code: number | null;
  response_time_ms: number;
  is_healthy: boolean;
  error_message: string | null;
  checked_at: Defaulted<Timestamp>;
}

export type HealthCheckRow = Selectable<HealthChecksTable>;
export type NewHealthCheck = Insertable<HealthChecksTable>;

/** 0009: the batches each server sent, for de-duplication; `stored_at` NULL while being written. */
export interface TelemetryBatchesTable {
  server_id: string;
  batch_id: string;
  received_at: Defaulted<Timestamp>;
  stored_at: Timestamp | null;
  /** 0026: the ingest (one per API process) writing the batch, and since when; NULL for a claim of unknown origin. */
  claimed_by: string | null;
  claimed_at: Timestamp | null;
}
