import { randomBytes, randomUUID } from 'node:crypto';
import type { ErrorEvent, LogEntry, MetricPoint, TraceSpan } from '../../../contracts/index.js';

/** Contract-valid records for spool and sender tests. */
export const SERVICE_ID = randomUUID();
export const DEPLOYMENT_ID = randomUUID();

export function logEntry(message: string): LogEntry {
  return { timestamp: new Date().toISOString(), service_id: SERVICE_ID, deployment_id: DEPLOYMENT_ID, level: 'info', message, attributes: {}, source: 'stdout' };
}

export function metricPoint(value: number): MetricPoint {
  return { timestamp: new Date().toISOString(), service_id: SERVICE_ID, name: 'queue.depth', type: 'gauge', value, labels: {} };
}

export function errorEvent(message: string): ErrorEvent {
  return {
    id: randomUUID(),
    service_id: SERVICE_ID,
    deployment_id: DEPLOYMENT_ID,
    timestamp: new Date().toISOString(),
    type: 'Error',
    message,
    stack_trace: [{ filename: 'app.js', function: 'handler', lineno: 3, in_app: true }],
    breadcrumbs: [],
    context: { environment: 'production', release: '1.0.0', tags: {}, extra: {} },
    fingerprint: [],
  };
}

export function traceSpan(name: string): TraceSpan {
  return {
    trace_id: randomBytes(16).toString('hex'),
    span_id: randomBytes(8).toString('hex'),
    service_id: SERVICE_ID,
    deployment_id: DEPLOYMENT_ID,
    operation_name: name,
    span_kind: 'server',
    start_time_ns: Date.now() * 1e6,
    duration_ns: 1_000,
    status: { code: 'ok' },
    attributes: {},
    events: [],
  };
}
