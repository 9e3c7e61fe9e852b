import { EventEmitter } from 'node:events';
import type {
  AlertPayload,
  BuildProgressPayload,
  HeartbeatPayload,
  LogStreamPayload,
  TelemetryBatchPayload,
} from '../../contracts/index.js';

/**
 * What agents report, after validation, for whoever consumes it in this process (socket.io rooms,
 * telemetry ingest, host metrics). Each event names the server it came from. Command answers and
 * deploy statuses are not events: the session hands them to the report forwarding
 * (report-forwarding.ts) and acknowledges each once it is handled.
 */
export interface AgentEventMap {
  /** Every heartbeat, beside the server's latest kept by HeartbeatWriter: its resources are a time series. */
  heartbeat: [serverId: string, payload: HeartbeatPayload];
  alert: [serverId: string, payload: AlertPayload];
  log_stream: [serverId: string, payload: LogStreamPayload];
  build_progress: [serverId: string, payload: BuildProgressPayload];
  telemetry_batch: [serverId: string, payload: TelemetryBatchPayload];
  server_online: [serverId: string];
  server_offline: [serverId: string];
}

export class AgentEvents extends EventEmitter<AgentEventMap> {}
