/*
 * The single source of truth for every WebSocket message, REST body and telemetry record.
 * Schemas are zod; every TypeScript type is inferred from its schema.
 */

export * from './version.js';
export * from './primitives.js';
export * from './json-schema.js';

export * from './websocket/ids.js';
export * from './websocket/versioning.js';
export * from './websocket/envelope.js';
export * from './websocket/health-check.js';
export * from './websocket/deploy.js';
export * from './websocket/domains.js';
export * from './websocket/build.js';
export * from './websocket/session.js';
export * from './websocket/liveness.js';
export * from './websocket/commands.js';
export * from './websocket/logs.js';
export * from './websocket/telemetry-batch.js';
export * from './websocket/report-ack.js';
export * from './websocket/alert.js';
export * from './websocket/agent-messages.js';
export * from './websocket/control-plane-messages.js';

export * from './telemetry/records.js';
export * from './telemetry/span-columns.js';

export * from './api/envelope.js';
export * from './api/source.js';
export * from './api/resources.js';
export * from './api/server-tags.js';
export * from './api/domains.js';
export * from './api/observability.js';
export * from './api/requests.js';
export * from './api/exec.js';
export * from './api/service-operations.js';
export * from './api/queries.js';
export * from './api/health.js';
export * from './api/access.js';
export * from './api/cron.js';
export * from './api/dag-definition.js';
export * from './api/automation.js';
export * from './api/ai.js';
export * from './api/webhooks.js';
export * from './api/routes.js';
export * from './api/openapi.js';
export * from './live.js';
