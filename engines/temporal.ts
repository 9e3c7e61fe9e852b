import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { assertPortFree } from './ports.js';
import { stopStaleProcess } from './stale-process.js';
import { findOrInstallTemporalCli } from './temporal-cli.js';
import { devServerArgs, devServerPorts, type DevServerPlacement, type TemporalDevConfig } from './temporal-config.js';

const readyTimeoutMs = 90_000;
const stopTimeoutMs = 15_000;

export interface RunningTemporal {
  address: string;
  namespace: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` as the yaml describes and resolves once its namespace answers. */
export async function startTemporalDevServer(
  config: TemporalDevConfig,
  placement: DevServerPlacement & { toolsDir: string },
  log: Logger,
): Promise<RunningTemporal> {
  const stateDir = path.join(placement.dataDir, 'temporal');
  const pidFile = path.join(stateDir, 'server.pid');
  await mkdir(stateDir, { recursive: true });
  await stopStaleProcess(pidFile, 'temporal', log);

  const ports = devServerPorts(config, placement);
  await assertPortFree(ports.frontend, 'Temporal frontend', config.frontend.ip);
  await assertPortFree(ports.http, 'Temporal HTTP API', config.frontend.ip);
  await assertPortFree(ports.metrics, 'Temporal metrics', config.frontend.ip);
  if (config.ui.enabled) await assertPortFree(ports.ui, 'Temporal Web', config.ui.ip);

  const cli = await findOrInstallTemporalCli(placement.toolsDir, log);
  const child = spawn(cli, devServerArgs(config, placement), { stdio: ['ignore', 'pipe', 'pipe'] });
  await writeFile(pidFile, `${child.pid}\n`);
  const output = collectOutput(child, log);

  const address = `${config.frontend.ip}:${ports.frontend}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`Temporal dev server exited (code ${code}, signal ${signal}):\n${output.recent()}`)),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForNamespace(address, config.namespace, readyTimeoutMs), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    address,
    namespace: config.namespace,
    uiUrl: config.ui.enabled ? `http://${config.ui.ip}:${ports.ui}` : null,
    stop: async () => {
      await stopChild(child);
      await rm(pidFile, { force: true });
    },
  };
}

/** Polls until the frontend answers for the namespace (the dev server creates it at start). */
export async function waitForNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`Temporal at ${address} did not serve namespace "${namespace}" within ${timeoutMs} ms`, {
    cause: lastError,
  });
}

function collectOutput(child: ChildProcess, log: Logger) {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      if (lines.length > 30) lines.shift();
      log.debug({ engine: 'temporal' }, line);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { recent: () => lines.join('\n') };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
