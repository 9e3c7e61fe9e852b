import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { inject } from 'vitest';
import { freePort } from '../../engines/ports.js';
import { loadTemporalDevConfig } from '../../engines/temporal-config.js';

/* `syntra dev` exactly as a developer runs it, on ports and a fresh data folder of its own. */

const devStartTimeoutMs = 240_000;

export interface DevSandbox {
  /** The folder holding the data folder and the Temporal description. */
  dir: string;
  env: NodeJS.ProcessEnv;
  ports: { api: number; postgres: number; temporal: number; http: number; metrics: number; ui: number; registry: number };
  namespace: string;
  cleanup(): Promise<void>;
}

export async function devSandbox(label: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<DevSandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), `syntra-${label}-`));
  // PostgreSQL runs as the `postgres` user when tests run as root; it must reach its folder.
  await chmod(dir, 0o755);
  const ports = { api: await freePort(), postgres: await freePort(), temporal: await freePort(), http: await freePort(), metrics: await freePort(), ui: await freePort(), registry: await freePort() };
  const namespace = 'syntra';
  const yaml = await loadTemporalDevConfig('temporal-dev.yaml');
  const yamlFile = path.join(dir, 'temporal-dev.yaml');
  await writeFile(
    yamlFile,
    stringify({
      ...yaml,
      namespace,
      frontend: { ...yaml.frontend, port: ports.temporal, http_port: ports.http, metrics_port: ports.metrics },
      ui: { ...yaml.ui, port: ports.ui },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(ports.api),
    SYNTRA_POSTGRES_PORT: String(ports.postgres),
    SYNTRA_REGISTRY_PORT: String(ports.registry),
    SYNTRA_DATA_DIR: path.join(dir, 'data'),
    SYNTRA_TEMPORAL_CONFIG: yamlFile,
    SYNTRA_TOOLS_DIR: inject('toolsDir'),
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  return { dir, env, ports, namespace, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface RunningDev {
  child: ChildProcess;
  /** Everything it has printed so far, stdout and stderr interleaved. */
  output: string;
  seconds: number;
}

/** Starts `syntra dev` and resolves once it says it is up. */
export async function startDev(env: NodeJS.ProcessEnv): Promise<RunningDev> {
  const began = Date.now();
  const child = spawn(process.execPath, ['bin/syntra.js', 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`syntra dev did not come up:\n${output}`)), devStartTimeoutMs);
    child.stdout!.on('data', () => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`syntra dev exited with ${code}:\n${output}`)));
  });
  const seconds = (Date.now() - began) / 1000;
  return {
    child,
    get output() {
      return output;
    },
    seconds,
  };
}

/** Ctrl-C, as a developer stops it; resolves with its exit code. */
export async function stopDev(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}
