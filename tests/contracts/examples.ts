import type {
  AgentMessage,
  ControlPlaneMessage,
  DeployPayload,
  ErrorEvent,
  HealthCheckResult,
  LogEntry,
  MessageType,
  MetricPoint,
  TelemetryData,
  TraceSpan,
} from '../../contracts/index.js';

/** Realistic values, one example of each WebSocket message and telemetry record. */

export const serverUuid = '5b8f2c3e-9d4a-4e7b-8c1f-2a6d9e0b7c45';
export const serverId = 'srv_5b8f2c3e9d4a4e7b8c1f2a6d9e0b7c45';
export const agentId = 'agt_5b8f2c3e9d4a4e7b8c1f2a6d9e0b7c45';
export const orgId = '0d6e4f1a-3b2c-4d5e-9f60-7a8b9c0d1e2f';
export const projectId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const serviceId = '9c4f7e2a-1b3d-4c5e-8f6a-7b8c9d0e1f2a';
export const deploymentId = 'e7d6c5b4-a392-4817-b6a5-f4e3d2c1b0a9';
export const userId = '4f3e2d1c-0b9a-4876-a543-210fedcba987';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const rootSpanId = '00f067aa0ba902b7';
const childSpanId = 'b7ad6b7169203331';

let sequence = 0;
/** Distinct, valid v4 message ids. */
function messageId(): string {
  sequence += 1;
  return `6f1c2d3e-4a5b-4c6d-8e7f-${sequence.toString(16).padStart(12, '0')}`;
}

function envelope<Type extends MessageType, Payload>(type: Type, payload: Payload) {
  return { id: messageId(), type, timestamp: '2025-11-20T10:15:30.123Z', payload };
}

export const errorEvent: ErrorEvent = {
  id: 'c0ffee00-1234-4abc-9def-0123456789ab',
  service_id: serviceId,
  deployment_id: deploymentId,
  timestamp: '2025-11-20T10:15:29.870Z',
  type: 'TypeError',
  message: "Cannot read properties of undefined (reading 'id')",
  stack_trace: [
    {
      filename: 'src/routes/orders.ts',
      function: 'getOrder',
      lineno: 42,
      colno: 17,
      context_line: '  return order.customer.id;',
      pre_context: ['  const order = await orders.find(req.params.id);'],
      post_context: ['}'],
      in_app: true,
    },
    { filename: 'node:internal/process/task_queues', function: 'processTicksAndRejections', lineno: 95, in_app: false },
  ],
  breadcrumbs: [
    {
      timestamp: '2025-11-20T10:15:29.801Z',
      type: 'http',
      category: 'fetch',
      message: 'GET /api/orders/1234',
      data: { status_code: 200 },
      level: 'info',
    },
  ],
  context: {
    environment: 'production',
    release: '3f2a9c1',
    user: { id: 'user_812', email: 'ana@example.com' },
    tags: { region: 'eu-west' },
    extra: { order_id: 1234 },
  },
  fingerprint: ['TypeError', 'src/routes/orders.ts', 'getOrder'],
};

export const traceSpan: TraceSpan = {
  trace_id: traceId,
  span_id: childSpanId,
  parent_span_id: rootSpanId,
  service_id: serviceId,
  deployment_id: deploymentId,
  operation_name: 'SELECT orders',
  span_kind: 'client',
  start_time_ns: 1_763_633_729_801_000_000,
  duration_ns: 4_250_000,
  status: { code: 'ok' },
  attributes: { 'db.system': 'postgresql', 'db.rows': 1, 'db.cached': false },
  events: [{ name: 'query.plan', timestamp_ns: 1_763_633_729_802_000_000, attributes: { 'plan.cost': 12.5 } }],
};

export const logEntry: LogEntry = {
  timestamp: '2025-11-20T10:15:29.900Z',
  service_id: serviceId,
  deployment_id: deploymentId,
  level: 'error',
  message: 'order lookup failed',
  attributes: { order_id: 1234, route: '/api/orders/:id' },
  trace_id: traceId,
  span_id: rootSpanId,
  source: 'sdk',
};

export const metricPoint: MetricPoint = {
  timestamp: '2025-11-20T10:15:00Z',
  service_id: serviceId,
  name: 'http.server.duration',
  type: 'histogram',
  value: 0.183,
  labels: { route: '/api/orders/:id', method: 'GET' },
  histogram_buckets: [
    { le: 0.05, count: 120 },
    { le: 0.25, count: 181 },
    { le: 1, count: 184 },
  ],
};

export const healthCheckResult: HealthCheckResult = {
  service_id: serviceId,
  timestamp: '2025-11-20T10:15:25+01:00',
  is_healthy: true,
  status_code: 200,
  response_time_ms: 12.4,
};

export const telemetryData: TelemetryData = {
  errors: [errorEvent],
  traces: [traceSpan],
  logs: [logEntry],
  metrics: [metricPoint],
  health_checks: [healthCheckResult],
};

export const deployPayload: DeployPayload = {
  request_id: 'deploy-e7d6c5b4-a392-4817-b6a5-f4e3d2c1b0a9/send-deploy',
  deployment_id: deploymentId,
  service_id: serviceId,
  service_name: 'api',
  project_name: 'shop',
  image: {
    registry: 'registry.syntra.dev',
    repository: 'acme/shop/api',
    tag: '3f2a9c1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b',
    digest: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  },
  registry_auth: { username: 'syntra-deploy', password: 'rt_4c2a9e7f1b' },
  config: {
    port: 3000,
    replicas: 2,
    cpu_limit: '0.5',
    memory_limit: '512m',
    env_vars: { NODE_ENV: 'production', DATABASE_URL: 'postgres://shop@db.shop.internal/shop' },
    labels: { 'syntra.project': 'shop' },
    volumes: [{ name: 'uploads', container_path: '/app/uploads', read_only: false }],
    health_check: {
      type: 'http',
      path: '/healthz',
      port: 3000,
      interval_seconds: 10,
      timeout_seconds: 3,
      retries: 3,
      start_period_seconds: 15,
    },
  },
  networking: {
    domains: ['shop.example.com'],
    internal_hostname: 'api.shop.internal',
    expose_port: true,
  },
  strategy: 'rolling',
  rollback_on_failure: true,
  timeout_seconds: 600,
};

const deploymentIdExample = '0f8e4c1a-5b2d-4e6f-9a7b-3c1d2e4f5a6b';

type ExampleOf<Type extends MessageType> = Extract<AgentMessage | ControlPlaneMessage, { type: Type }>;

export const validMessages: { [Type in MessageType]: ExampleOf<Type> } = {
  agent_hello: envelope('agent_hello', {
    agent_id: agentId,
    server_id: serverId,
    version: '0.1.0',
    runtime: 'docker',
    runtime_version: '27.3.1',
    os: { name: 'ubuntu', version: '22.04', kernel: '5.15.0-126-generic' },
    arch: 'x86_64',
    resources: { cpu_cores: 4, cpu_model: 'AMD EPYC 7B13', memory_total_mb: 7940, disk_total_gb: 158.3 },
    network: { hostname: 'web-1', public_ip: '203.0.113.10', private_ip: '10.0.0.12' },
    capabilities: ['docker', 'traefik', 'otlp'],
    protocol_version: '1.1',
    min_supported: '1.0',
  }),
  heartbeat: envelope('heartbeat', {
    agent_id: agentId,
    timestamp: '2025-11-20T10:15:30Z',
    uptime_seconds: 86_412,
    resources: {
      cpu_usage_percent: 37.5,
      memory_used_mb: 3120,
      memory_available_mb: 4820,
      disk_used_gb: 41.2,
      disk_available_gb: 117.1,
      network_rx_bytes: 1_843_200,
      network_tx_bytes: 921_600,
    },
    containers: { running: 3, stopped: 1, total: 4 },
    services: [
      {
        service_id: serviceId,
        container_id: '4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
        status: 'running',
        health: 'healthy',
        cpu_percent: 112.5,
        memory_mb: 286.4,
        restart_count: 0,
        started_at: '2025-11-19T10:14:58Z',
      },
    ],
  }),
  command_response: envelope('command_response', {
    request_id: 'exec-7f3a',
    success: true,
    data: { exit_code: 0, stdout: 'migrations up to date\n', stderr: '' },
  }),
  deploy_status: envelope('deploy_status', {
    deployment_id: deploymentId,
    service_id: serviceId,
    status: 'health_checking',
    phase: 'health_check',
    progress_percent: 80,
    message: 'Waiting for /healthz to answer 200',
    started_at: '2025-11-20T10:14:02Z',
    logs: ['container 4d5e6f7a started'],
    container_id: '4d5e6f7a8b9c',
  }),
  telemetry_batch: envelope('telemetry_batch', {
    batch_id: 'b5a4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d',
    agent_id: agentId,
    compression: 'none',
    data: telemetryData,
  }),
  alert: envelope('alert', {
    alert_id: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
    service_id: serviceId,
    server_id: serverId,
    type: 'resource_critical',
    severity: 'critical',
    title: 'Disk almost full',
    message: '/var/lib/docker is 96% full',
    timestamp: '2025-11-20T10:15:30Z',
    metadata: { mount: '/var/lib/docker', used_percent: 96 },
  }),
  log_stream: envelope('log_stream', {
    request_id: 'logs-2b9c',
    service_id: serviceId,
    container_id: '4d5e6f7a8b9c',
    lines: [
      { timestamp: '2025-11-20T10:15:30.001Z', stream: 'stdout', line: 'GET /api/orders/1234 200 12ms' },
      { timestamp: '2025-11-20T10:15:30.004Z', stream: 'stderr', line: 'warn: slow query (240ms)' },
    ],
    eof: false,
  }),
  hello_ack: envelope('hello_ack', {
    server_id: serverId,
    accepted: true,
    server_name: 'web-1',
    org_id: orgId,
    config: {
      heartbeat_interval_seconds: 30,
      telemetry_batch_interval_seconds: 5,
      telemetry_buffer_max_mb: 50,
      log_level: 'info',
    },
    pending_deployments: [deployPayload],
    protocol_version: '1.1',
  }),
  deploy: envelope('deploy', deployPayload),
  stop: envelope('stop', { request_id: 'stop-1c2d', service_id: serviceId, timeout_seconds: 30, remove_container: false }),
  scale: envelope('scale', { request_id: 'scale-3e4f', service_id: serviceId, replicas: 3, strategy: 'rolling' }),
  restart: envelope('restart', { request_id: 'restart-5a6b', service_id: serviceId, timeout_seconds: 20 }),
  exec: envelope('exec', {
    request_id: 'exec-7f3a',
    service_id: serviceId,
    command: ['npm', 'run', 'migrate'],
    working_dir: '/app',
    env: { LOG_LEVEL: 'debug' },
    timeout_seconds: 120,
    interactive: false,
  }),
  logs_subscribe: envelope('logs_subscribe', {
    request_id: 'logs-2b9c',
    service_id: serviceId,
    follow: true,
    tail: 200,
    since: '2025-11-20T09:00:00Z',
  }),
  logs_unsubscribe: envelope('logs_unsubscribe', {
    request_id: 'logs-2b9c-stop',
    subscription_id: 'logs-2b9c',
    service_id: serviceId,
  }),
  update_agent: envelope('update_agent', {
    request_id: 'update-agent-0.2.0',
    version: '0.2.0',
    download_url: 'https://get.syntra.dev/agent/0.2.0/syntra-agent-linux-x86_64',
    sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
  }),
  configure_health_check: envelope('configure_health_check', {
    request_id: 'health-8c9d',
    service_id: serviceId,
    health_check: {
      type: 'exec',
      command: ['pg_isready', '-U', 'shop'],
      interval_seconds: 15,
      timeout_seconds: 5,
      retries: 5,
      start_period_seconds: 30,
    },
  }),
  build: envelope('build', {
    request_id: 'deploy-5f0c:build',
    deployment_id: deploymentIdExample,
    service_id: serviceId,
    git: { url: 'https://git.example.com/shop/api.git', branch: 'main', commit_sha: '9fceb02d0ae598e95dc970b74767f19372d61af8' },
    git_auth: { kind: 'token', token: 'glpat-example' },
    dockerfile: { path: 'Dockerfile', context: '.', target: 'runtime' },
    build_args: { NODE_ENV: 'production' },
    build_secrets: { NPM_TOKEN: 'npm_example' },
    image: { registry: 'registry.syntra.dev', repository: 'acme/shop/api', tag: deploymentIdExample },
    registry_auth: { username: 'syntra', password: 'short-lived-push-credential' },
    timeout_seconds: 1800,
  }),
  cancel_build: envelope('cancel_build', { request_id: 'deploy-5f0c:cancel-build', deployment_id: deploymentIdExample }),
  build_progress: envelope('build_progress', {
    deployment_id: deploymentIdExample,
    service_id: serviceId,
    phase: 'building',
    first_line: 12,
    lines: [{ at: '2025-11-20T10:15:30.001Z', text: '#5 [2/4] RUN npm ci' }],
    commit: { sha: '9fceb02d0ae598e95dc970b74767f19372d61af8', message: 'Fix the checkout total' },
  }),
  ping: envelope('ping', { nonce: 'n-81f3', sent_at: '2025-11-20T10:15:30.500Z' }),
  pong: envelope('pong', { nonce: 'n-81f3', sent_at: '2025-11-20T10:15:30.512Z' }),
  telemetry_ack: envelope('telemetry_ack', { batch_id: 'b5a4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d', accepted: true }),
  report_ack: envelope('report_ack', { message_id: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' }),
};
