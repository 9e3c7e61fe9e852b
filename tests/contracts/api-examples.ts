import type { CreateService, Deployment, Server, Service } from '../../contracts/index.js';
import { deploymentId, orgId, projectId, serverUuid, serviceId, userId } from './examples.js';

/** Realistic REST resources and bodies, shaped like the rows of contract section 3.1. */

export const server: Server = {
  id: serverUuid,
  org_id: orgId,
  name: 'web-1',
  hostname: 'web-1',
  public_ip: '203.0.113.10',
  private_ip: '10.0.0.12',
  runtime: 'docker',
  runtime_version: '27.3.1',
  status: 'online',
  agent_version: '0.1.0',
  os_name: 'ubuntu',
  os_version: '22.04',
  arch: 'x86_64',
  cpu_cores: 4,
  memory_mb: 7940,
  disk_gb: 158,
  last_heartbeat_at: '2025-11-20T10:15:30Z',
  problems: [],
  usage: {
    cpu_usage_percent: 37.5,
    memory_used_mb: 3120,
    memory_available_mb: 4820,
    disk_used_gb: 61.2,
    disk_available_gb: 96.8,
    network_rx_bytes: 184_320,
    network_tx_bytes: 92_160,
  },
  containers: { running: 5, stopped: 1, total: 6 },
  tags: ['production', 'eu-west'],
  created_at: '2025-10-01T08:00:00Z',
  updated_at: '2025-11-20T10:15:30Z',
};

export const service: Service = {
  id: serviceId,
  project_id: projectId,
  server_id: serverUuid,
  name: 'api',
  type: 'app',
  source_type: 'dockerfile',
  source_config: { dockerfile_path: 'services/api/Dockerfile', build_context: 'services/api' },
  port: 3000,
  replicas: 2,
  cpu_limit: '0.5',
  memory_limit: '512m',
  domains: ['shop.example.com'],
  health_check: {
    type: 'http',
    path: '/healthz',
    interval_seconds: 30,
    timeout_seconds: 5,
    retries: 3,
    start_period_seconds: 10,
  },
  auto_deploy: true,
  current_deployment_id: deploymentId,
  created_at: '2025-10-02T09:30:00Z',
  updated_at: '2025-11-20T10:14:02Z',
};

export const deployment: Deployment = {
  id: deploymentId,
  service_id: serviceId,
  status: 'running',
  git_commit_sha: '3f2a9c1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b',
  git_commit_message: 'Fix order lookup for guest checkouts',
  git_branch: 'main',
  image_digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  build_duration_ms: 48_200,
  deploy_duration_ms: 21_900,
  triggered_by: userId,
  trigger_type: 'manual',
  error_message: null,
  rollback_from_id: null,
  created_at: '2025-11-20T10:13:10Z',
  started_at: '2025-11-20T10:13:11Z',
  finished_at: '2025-11-20T10:14:21Z',
};

export const createImageService: CreateService = {
  name: 'redis-cache',
  server_id: serverUuid,
  source_type: 'image',
  source_config: {
    image: { registry: 'ghcr.io', repository: 'acme/redis', tag: '7.4-alpine' },
    registry_auth: { username: 'acme-bot', password: 'ghp_read_only_token' },
  },
  port: 6379,
  env_vars: { REDIS_ARGS: '--maxmemory 256mb' },
  health_check: {
    type: 'exec',
    command: ['redis-cli', 'ping'],
    interval_seconds: 10,
    timeout_seconds: 2,
    retries: 3,
    start_period_seconds: 5,
  },
};
