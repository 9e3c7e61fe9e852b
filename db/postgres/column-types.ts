import type { ColumnType, Generated } from 'kysely';

/** How PostgreSQL's column types and the contract's enums read and write through kysely and pg. */

/** TIMESTAMPTZ: pg parses it into a Date; writes take a Date or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

/**
 * BIGINT / BIGSERIAL read back as a decimal string, pg's default: exact beyond 2^53, and the
 * same in every pg client of the process (we install no global type parser). Convert at the edge.
 */
export type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** JSONB reads back parsed, but writes take JSON text: pg would send a JS array as a Postgres array literal. */
export type Json = ColumnType<JsonValue, string, string>;

/**
 * A column with a database default, optional on insert, for the ColumnType-based types above.
 * kysely's `Generated<T>` wraps T whole, so `Generated<Timestamp | null>` would read back as the
 * ColumnType object itself; this unwraps each member of the union. Plain types use `Generated`.
 */
export type Defaulted<T> = T extends ColumnType<infer S, infer I, infer U> ? ColumnType<S, I | undefined, U> : Generated<T>;

export type UserPlan = 'free' | 'pro' | 'team' | 'enterprise';
export type OrgRole = 'owner' | 'admin' | 'developer' | 'viewer';
export type ServerStatus = 'online' | 'offline' | 'updating' | 'error';
export type ServerRuntime = 'docker' | 'kubernetes';
export type ServiceType = 'app' | 'database' | 'worker' | 'cron';
export type SourceType = 'dockerfile' | 'nixpacks' | 'image' | 'docker_compose';
export type DeploymentStatus =
  | 'queued'
  | 'building'
  | 'pushing'
  | 'deploying'
  | 'running'
  | 'failed'
  | 'rolled_back'
  | 'cancelled';
export type TriggerType = 'manual' | 'git_push' | 'workflow' | 'rollback' | 'api' | 'schedule';
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored' | 'regressed';
export type IssueSeverity = 'critical' | 'high' | 'medium' | 'low';
export type AlertType = 'error_rate' | 'latency' | 'downtime' | 'anomaly' | 'custom';
export type AlertStatus = 'firing' | 'resolved' | 'acknowledged';
/** A CHECK constraint on `agent_commands.status`, not a Postgres enum. */
export type AgentCommandStatus = 'pending' | 'sent' | 'answered' | 'expired' | 'cancelled';
