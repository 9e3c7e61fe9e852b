import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AgentError, messageOf } from '../errors.js';
import { ADMIN_ORIGIN, type CaddyConfig } from './caddy-config.js';
import { stopStaleCaddy, writeCaddyPid } from './stale-caddy.js';

const ADMIN_READY_TIMEOUT_MS = 15_000;
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;
const RESTART_DELAY_MS = 1_000;

/* GET /reverse_proxy/upstreams: every upstream address Caddy's config holds, with its requests in flight. */
const UpstreamStatuses = z.array(z.object({ address: z.string(), num_requests: z.number().int() }));

/** One line of Caddy's JSON log, as far as the agent reads it. */
export interface CaddyLogEntry {
  level?: string;
  logger?: string;
  msg?: string;
  identifier?: string;
  error?: string;
  [key: string]: unknown;
}

export interface CaddyProcessOptions {
  /** The `caddy` executable; on PATH by default. */
  executable: string;
  /** Holds the admin socket and the bootstrap config (mode 700 by the data folder). */
  runDir: string;
  log: Logger;
  /** Every JSON line Caddy logs; certificate events become domain statuses. */
  onLog(entry: CaddyLogEntry): void;
}

/**
 * Caddy as a child process the agent supervises. It starts with nothing but its admin API on a
 * unix socket (no TCP port another user could reach) and receives its whole config through
 * `load`; when it dies it is started again and given the last config, so routes never depend on
 * Caddy's own autosave.
 */
export class CaddyProcess {
  private child: ChildProcess | null = null;
  private current: CaddyConfig | null = null;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly options: CaddyProcessOptions) {}

  get adminSocket(): string {
    return path.join(this.options.runDir, 'admin.sock');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await mkdir(this.options.runDir, { recursive: true, mode: 0o700 });
    await stopStaleCaddy(this.options.runDir);
    this.ready = this.launch();
    await this.ready;
  }

  /** Replaces Caddy's whole config in one call; Caddy applies it atomically or keeps the old one. */
  async load(config: CaddyConfig): Promise<void> {
    await this.ready;
    await this.admin('POST', '/load', config);
    this.current = config;
  }

  /** Requests in flight per upstream address, counted across configs (a reload keeps an address's count). */
  async upstreamRequests(): Promise<Map<string, number>> {
    await this.ready;
    const statuses = UpstreamStatuses.parse(JSON.parse(await this.admin('GET', '/reverse_proxy/upstreams')));
    return new Map(statuses.map((status) => [status.address, status.num_requests]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private async launch(): Promise<void> {
    const socket = this.adminSocket;
    await rm(socket, { force: true });
    const bootstrap = path.join(this.options.runDir, 'bootstrap.json');
    const config = { admin: { listen: `unix/${socket}`, origins: [ADMIN_ORIGIN], config: { persist: false } } };
    await writeFile(bootstrap, JSON.stringify(config), { mode: 0o600 });
    // HOME and XDG dirs point into the run dir so Caddy writes nothing into the agent user's home.
    const env = { ...process.env, HOME: this.options.runDir, XDG_CONFIG_HOME: this.options.runDir, XDG_DATA_HOME: this.options.runDir };
    const child = spawn(this.options.executable, ['run', '--config', bootstrap], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    readline.createInterface({ input: child.stderr! }).on('line', (line) => this.onLine(line));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new AgentError('PROXY_FAILED', `could not start ${this.options.executable}: ${error.message}`)));
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    await spawned;
    await writeCaddyPid(this.options.runDir, child.pid);
    await this.waitForAdmin(child);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child || this.stopping) return;
    this.options.log.error({ code, signal }, 'caddy exited; starting it again');
    this.restartTimer = setTimeout(() => {
      this.ready = this.launch().then(async () => {
        if (this.current) await this.admin('POST', '/load', this.current);
      });
      this.ready.catch((error: unknown) => this.options.log.error(`caddy did not come back: ${messageOf(error)}`));
    }, RESTART_DELAY_MS);
  }

  private onLine(line: string): void {
    let entry: CaddyLogEntry;
    try {
      entry = JSON.parse(line) as CaddyLogEntry;
    } catch {
      this.options.log.info({ caddy: line }, 'caddy');
      return;
    }
    if (entry.level === 'error' || entry.level === 'warn') this.options.log.warn({ caddy: entry }, entry.msg ?? 'caddy');
    this.options.onLog(entry);
  }

  private async waitForAdmin(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + ADMIN_READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new AgentError('PROXY_FAILED', `caddy exited with code ${child.exitCode} while starting`);
      try {
        await this.admin('GET', '/config/');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new AgentError('PROXY_FAILED', `caddy's admin API did not answer: ${messageOf(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private admin(method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<string> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          socketPath: this.adminSocket,
          // A new connection per call: Caddy closes its admin connections when a load replaces its config.
          agent: false,
          method,
          path: urlPath,
          headers: { host: ADMIN_ORIGIN, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
          timeout: ADMIN_REQUEST_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((response.statusCode ?? 500) >= 300) reject(new AgentError('PROXY_FAILED', `caddy ${method} ${urlPath}: HTTP ${response.statusCode} ${text.trim()}`));
            else resolve(text);
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', reject);
      request.end(payload);
    });
  }
}
