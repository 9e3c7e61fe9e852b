import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { AgentConnection } from '../../agent/connection.js';
import { ServiceRegistry } from '../../agent/runtime/service-registry.js';
import { specFromDeploy } from '../../agent/runtime/service-spec.js';
import { AgentTelemetry } from '../../agent/telemetry/agent-telemetry.js';
import type { Database } from '../../db/postgres/database.js';
import { ensureDockerd } from './docker.js';

/**
 * What an agent remembers after deploying a service: Sentry keys are accepted for known services
 * only. The spec is a minimal image deploy; nothing runs.
 */
export async function rememberService(services: ServiceRegistry, service: { serviceId: string; deploymentId: string; projectName: string }) {
  await services.adopt(
    specFromDeploy({
      request_id: `deploy-${service.deploymentId}`,
      deployment_id: service.deploymentId,
      service_id: service.serviceId,
      service_name: 'shop',
      project_name: service.projectName,
      image: { registry: 'registry.invalid', repository: 'shop', tag: 'v1' },
      registry_auth: null,
      config: { port: 8080, replicas: 1, env_vars: {}, labels: {} },
      networking: { domains: [], internal_hostname: 'shop.internal', expose_port: false },
      strategy: 'rolling',
      rollback_on_failure: false,
      timeout_seconds: 60,
    }),
  );
}

/**
 * A real agent (telemetry receiver on 127.0.0.1, on-disk spool, sender) connected to the control
 * plane at `url` as server `serverId`. `stop` waits until the gateway has marked the server
 * offline, so the test's database can go right after.
 */
export async function startTelemetryAgent(options: { db: Kysely<Database>; url: string; serverId: string; token: string; label: string; containerMetricsIntervalMs?: number }) {
  const log = pino({ level: 'warn' });
  const docker = await ensureDockerd();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `syntra-${options.label}-agent-`));
  // A registry of this server's own: the agent adopts no container other test files run.
  const services = new ServiceRegistry(docker, options.serverId);
  const telemetry = await AgentTelemetry.start({
    docker,
    services,
    log,
    dataDir,
    agentToken: options.token,
    host: '127.0.0.1',
    port: 0,
    ...(options.containerMetricsIntervalMs === undefined ? {} : { containerMetricsIntervalMs: options.containerMetricsIntervalMs }),
  });
  const connection = new AgentConnection({
    url: options.url,
    token: options.token,
    serverId: options.serverId,
    context: { docker, services, log, telemetry },
    reconnectInitialDelayMs: 200,
    reconnectMaxDelayMs: 1_000,
  });
  connection.start();
  return {
    services,
    telemetry,
    async stop() {
      await connection.stop();
      await telemetry.stop();
      const status = async () => (await options.db.selectFrom('servers').select('status').where('id', '=', options.serverId).executeTakeFirstOrThrow()).status;
      for (let waited = 0; waited < 10_000 && (await status()) !== 'offline'; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One OTLP/JSON logs request to an agent's receiver, as an app's SDK sends it: a record per line, of one service's deployment. */
export function postLogLines(receiverOrigin: string | URL, app: { serviceId: string; deploymentId: string }, lines: string[]): Promise<Response> {
  return fetch(new URL('/v1/logs', receiverOrigin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: 'syntra.service_id', value: { stringValue: app.serviceId } },
              { key: 'syntra.deployment_id', value: { stringValue: app.deploymentId } },
            ],
          },
          scopeLogs: [{ logRecords: lines.map((line) => ({ severityNumber: 9, timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), body: { stringValue: line } })) }],
        },
      ],
    }),
  });
}
