import { z } from 'zod';
import {
  IpAddress,
  IsoDateTime,
  NonNegativeInt,
  Percent,
  PositiveInt,
  Semver,
  Uuid,
} from '../primitives.js';
import { PendingDeployment } from './deploy.js';
import { AgentDomainStatus } from './domains.js';
import { AgentProtocolId, ServerProtocolId } from './ids.js';
import { ProtocolVersion } from './versioning.js';

export const AgentRuntime = z.enum(['docker', 'kubernetes']);
export type AgentRuntime = z.infer<typeof AgentRuntime>;

export const CpuArch = z.enum(['x86_64', 'aarch64']);
export type CpuArch = z.infer<typeof CpuArch>;

export const AgentHelloPayload = z.object({
  agent_id: AgentProtocolId,
  server_id: ServerProtocolId,
  version: Semver.describe('Agent release, checked against the compatibility table'),
  runtime: AgentRuntime,
  runtime_version: z.string().min(1),
  os: z.object({
    name: z.string().min(1).describe('"ubuntu", "debian", "centos"'),
    version: z.string().min(1),
    kernel: z.string().min(1),
  }),
  arch: CpuArch,
  resources: z.object({
    cpu_cores: PositiveInt,
    cpu_model: z.string(),
    memory_total_mb: z.number().nonnegative(),
    disk_total_gb: z.number().nonnegative(),
  }),
  network: z.object({
    hostname: z.string().min(1),
    public_ip: IpAddress.nullable(),
    private_ip: IpAddress,
  }),
  capabilities: z.array(z.string().min(1)).describe('e.g. ["docker", "traefik", "otlp"]'),
  // Section 4.2; agents built for protocol 1.0 omit both, which means "1.0".
  protocol_version: ProtocolVersion.optional().describe('Highest protocol version the agent speaks'),
  min_supported: ProtocolVersion.optional().describe('Lowest protocol version the agent speaks'),
});
export type AgentHelloPayload = z.infer<typeof AgentHelloPayload>;

export const AgentLogLevel = z.enum(['debug', 'info', 'warn', 'error']);

export const AgentConfig = z.object({
  heartbeat_interval_seconds: PositiveInt,
  telemetry_batch_interval_seconds: PositiveInt,
  telemetry_buffer_max_mb: PositiveInt,
  log_level: AgentLogLevel,
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** The defaults the contract names for `hello_ack.config`. */
export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  heartbeat_interval_seconds: 30,
  telemetry_batch_interval_seconds: 5,
  telemetry_buffer_max_mb: 50,
  log_level: 'info',
};

export const HelloAckPayload = z.object({
  server_id: ServerProtocolId,
  accepted: z.boolean(),
  server_name: z.string().min(1),
  org_id: Uuid,
  config: AgentConfig,
  pending_deployments: z.array(PendingDeployment).describe('Deployments queued while the agent was offline'),
  protocol_version: ProtocolVersion.optional().describe('The negotiated protocol version'),
  reason: z.string().min(1).optional().describe('Why the agent was refused, when accepted is false'),
});
export type HelloAckPayload = z.infer<typeof HelloAckPayload>;

export const ServiceStatus = z.object({
  service_id: Uuid,
  container_id: z.string().min(1),
  status: z.enum(['running', 'stopped', 'restarting', 'error']),
  health: z.enum(['healthy', 'unhealthy', 'unknown']),
  // Not capped at 100: Docker reports a container using two cores as 200%.
  cpu_percent: z.number().nonnegative(),
  memory_mb: z.number().nonnegative(),
  restart_count: NonNegativeInt,
  started_at: IsoDateTime,
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;

export const HeartbeatPayload = z.object({
  agent_id: AgentProtocolId,
  timestamp: IsoDateTime,
  uptime_seconds: z.number().nonnegative(),
  resources: z.object({
    cpu_usage_percent: Percent,
    memory_used_mb: z.number().nonnegative(),
    memory_available_mb: z.number().nonnegative(),
    disk_used_gb: z.number().nonnegative(),
    disk_available_gb: z.number().nonnegative(),
    network_rx_bytes: NonNegativeInt.describe('Since the previous heartbeat'),
    network_tx_bytes: NonNegativeInt.describe('Since the previous heartbeat'),
  }),
  containers: z.object({
    running: NonNegativeInt,
    stopped: NonNegativeInt,
    total: NonNegativeInt,
  }),
  services: z.array(ServiceStatus),
  domains: z.array(AgentDomainStatus).optional().describe("Certificate state of each domain the agent's proxy routes; absent when it runs none"),
});
export type HeartbeatPayload = z.infer<typeof HeartbeatPayload>;
