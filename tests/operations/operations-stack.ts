import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { bootstrappedOrganization } from '../support/auth.js';
import { ensureDockerd, removeManaged, startTestRegistry, type TestRegistry } from '../support/docker.js';
import { createProject } from '../support/fixtures.js';
import { startTestApi } from '../support/platform.js';
import { operationsApi, privateTemporalConfig, startInProcessWorker, startServerWithAgent, type TestAgentOptions } from './stack.js';

export interface StackOptions {
  /** A file in the API's data folder that gets its every log line (startTestApi's `logTo`). */
  apiLogTo?: string;
  agent?: TestAgentOptions;
}

/**
 * The whole platform for an operations test: Docker and the test registry, the API on its own
 * Temporal task queue, a worker, a project and a server whose agent runs in this process. `stop`
 * takes it all down and removes the containers of the services the test lists.
 */
export async function startOperationsStack(label: string, apiOverrides: Record<string, string> = {}, options: StackOptions = {}) {
  const docker: Docker = await ensureDockerd();
  const registry: TestRegistry = await startTestRegistry();
  const temporal = await privateTemporalConfig(label);
  const api = await startTestApi(label, { SYNTRA_TEMPORAL_CONFIG: temporal.file, ...apiOverrides }, options.apiLogTo ? { logTo: options.apiLogTo } : {});
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  const orgId = (await bootstrappedOrganization(api.platform.db)).id;
  const project = await createProject(api.platform.db, orgId, label);
  const worker = await startInProcessWorker(api.platform, temporal.taskQueue);
  const host = await startServerWithAgent(api.platform.db, orgId, baseUrl, options.agent);
  const serviceIds: string[] = [];
  return {
    docker,
    registry,
    temporal,
    api,
    baseUrl,
    orgId,
    project,
    worker,
    host,
    rest: operationsApi(baseUrl, api.ownerToken),
    /** Services whose containers `stop` removes. */
    serviceIds,
    async stop(beforeApiCloses?: () => Promise<void>) {
      await host.stopAgent();
      await worker.stop();
      await beforeApiCloses?.();
      await api.close();
      await temporal.cleanup();
      await removeManaged(docker, { serviceIds, projectName: project.slug });
      await registry.cleanup();
    },
  };
}

export type OperationsStack = Awaited<ReturnType<typeof startOperationsStack>>;
