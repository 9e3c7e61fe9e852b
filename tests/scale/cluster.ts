import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { issueToken } from '../../contracts/tokens.js';
import { freePort } from '../../engines/ports.js';
import { privateTemporalConfig } from '../support/temporal.js';
import { waitFor } from '../operations/stack.js';
import { CpuCap } from './cpu-cap.js';

const processReadyTimeoutMs = 90_000;

/** One `syntra api` or `syntra worker` child process, which a test may kill and start again. */
export class SyntraProcess {
  child: ChildProcess | null = null;

  constructor(
    readonly kind: 'api' | 'worker',
    readonly env: NodeJS.ProcessEnv,
    /** The API's own port (not the balancer's); 0 for a worker. */
    readonly port: number,
    /** A CPU quota the process runs under from its start, if any. */
    readonly cap: CpuCap | null = null,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(taskQueue: string, temporal: TemporalEngine): Promise<void> {
    const plain = { command: process.execPath, args: ['bin/syntra.js', this.kind] };
    const { command, args } = this.cap ? this.cap.wrap(plain.command, plain.args) : plain;
    const child = spawn(command, args, { env: this.env, stdio: ['ignore', 'ignore', 'inherit'] });
    this.child = child;
    if (this.kind === 'api') {
      await waitFor(`API :${this.port} to answer /health`, () => fetch(`${this.url}/api/v1/health`).then((response) => response.status === 200), processReadyTimeoutMs);
    } else {
      await waitForPoller(child.pid!, taskQueue, temporal);
    }
  }

  /** SIGKILL (a crash) or SIGTERM (a rolling restart's graceful stop); resolves once it exited. */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** Resolves once process `pid` polls the task queue (pollers of a killed one linger in the list). */
async function waitForPoller(pid: number, taskQueue: string, temporal: TemporalEngine): Promise<void> {
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const polling = async () => {
      const queue = await connection.workflowService.describeTaskQueue({
        namespace: temporal.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (queue.pollers ?? []).some((poller) => poller.identity?.startsWith(`${pid}@`));
    };
    await waitFor(`worker ${pid} to poll ${taskQueue}`, polling, processReadyTimeoutMs);
  } finally {
    await connection.close();
  }
}

/** The Temporal server the processes share (the test run's, or a benchmark's own). */
export interface TemporalEngine {
  address: string;
  namespace: string;
  toolsDir: string;
}

export interface Cluster {
  apis: SyntraProcess[];
  workers: SyntraProcess[];
  ownerToken: string;
  masterKey: string;
  taskQueue: string;
  /** Starts a process of this cluster and resolves once it serves (an API) or polls (a worker). */
  start(process: SyntraProcess): Promise<void>;
  /** Another API process on the same engines (not started). */
  addApi(): Promise<SyntraProcess>;
  stopAll(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * `apiCount` API and `workerCount` worker processes on one database and one Temporal namespace, as
 * a team past one machine runs them: every process has a data folder of its own (each API its own
 * chDB folder, see docs/scaling.md), and they share only the engines, the master key (from the
 * environment, never a key file) and the Temporal description. Nothing is started: the test
 * starts the API processes first (the first bootstraps the database), then the workers.
 */
export async function defineCluster(options: {
  databaseUrl: string;
  temporal: TemporalEngine;
  publicUrl?: string;
  apiCount: number;
  workerCount: number;
  env?: NodeJS.ProcessEnv;
  /** Caps each process at this many CPUs (a cgroup each), standing in for a machine of its own. */
  cpusPerProcess?: number;
}): Promise<Cluster> {
  const root = await mkdtemp(path.join(tmpdir(), 'syntra-cluster-'));
  const temporal = await privateTemporalConfig('cluster');
  const ownerToken = issueToken('usr').token;
  const masterKey = randomBytes(32).toString('hex');
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporal.address,
    TEMPORAL_NAMESPACE: options.temporal.namespace,
    SYNTRA_TEMPORAL_CONFIG: temporal.file,
    SYNTRA_TOOLS_DIR: options.temporal.toolsDir,
    SYNTRA_MASTER_KEY: masterKey,
    SYNTRA_BOOTSTRAP_TOKEN: ownerToken,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    ...(options.publicUrl ? { SYNTRA_PUBLIC_URL: options.publicUrl } : {}),
    ...options.env,
  };
  let made = 0;
  const processOf = async (kind: 'api' | 'worker') => {
    made += 1;
    const dataDir = path.join(root, `${kind}-${made}`);
    await mkdir(dataDir, { recursive: true });
    const port = kind === 'api' ? await freePort() : 0;
    const cap = options.cpusPerProcess ? await CpuCap.create(`${path.basename(root)}-${kind}-${made}`, options.cpusPerProcess) : null;
    return new SyntraProcess(kind, { ...shared, SYNTRA_DATA_DIR: dataDir, PORT: String(port || (await freePort())) }, port, cap);
  };
  const apis: SyntraProcess[] = [];
  const workers: SyntraProcess[] = [];
  for (let i = 0; i < options.apiCount; i++) apis.push(await processOf('api'));
  for (let i = 0; i < options.workerCount; i++) workers.push(await processOf('worker'));
  const stopAll = async () => {
    await Promise.all([...workers, ...apis].map((child) => child.stop()));
  };
  return {
    apis,
    workers,
    ownerToken,
    masterKey,
    taskQueue: temporal.taskQueue,
    start: (process) => process.start(temporal.taskQueue, options.temporal),
    async addApi() {
      const api = await processOf('api');
      apis.push(api);
      return api;
    },
    stopAll,
    async cleanup() {
      await stopAll();
      await Promise.all([...apis, ...workers].map((child) => child.cap?.remove()));
      await temporal.cleanup();
      await rm(root, { recursive: true, force: true });
    },
  };
}
