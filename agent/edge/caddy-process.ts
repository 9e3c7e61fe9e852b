import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AgentError, messageOf } from '../errors.js';
import { ADMIN_ORIGIN, type CaddyConfig } from './caddy-config.js';
import { alive, runningCaddyPid, stopCaddy, writeCaddyPid } from './caddy-pid.js';

const ADMIN_READY_TIMEOUT_MS = 15_000;
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;
const RESTART_DELAY_MS = 1_000;
/* How often the agent looks whether Caddy is still running. */
const WATCH_INTERVAL_MS = 250;
/* Lines of Caddy's own output quoted when it fails to start. */
const OUTPUT_TAIL_LINES = 5;

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
 * Caddy as a process the agent supervises. It starts with nothing but its admin API on a unix
 * socket (no TCP port another user could reach) and receives its whole config through `load`;
 * when it dies it is started again and given the last config, so routes never depend on Caddy's
 * own autosave.
 *
 * It outlives the agent process on purpose. Its log reaches the agent over a unix socket the agent
 * listens on (Caddy's `net` writer, which dials again after the agent comes back; what it writes
 * meanwhile goes to `caddy.log` in the run folder, as does its output before the first config), so
 * nothing ties it to the agent's pipes. A later agent process finds it by its pid file and adopts
 * it while it answers on the admin socket: a crash of the agent, or a self-update (`detach`),
 * leaves every site serving instead of restarting Caddy, which would drop their connections.
 */
export class CaddyProcess {
  private running: number | null = null;
  private current: CaddyConfig | null = null;
  private supervising = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private ready: Promise<void> = Promise.resolve();
  private logServer: net.Server | null = null;
  private readonly logConnections = new Set<net.Socket>();

  constructor(private readonly options: CaddyProcessOptions) {}

  get adminSocket(): string {
    return path.join(this.options.runDir, 'admin.sock');
  }

  /** Where Caddy's `net` log writer connects. */
  get logSocket(): string {
    return path.join(this.options.runDir, 'log.sock');
  }

  get pid(): number | undefined {
    return this.running ?? undefined;
  }

  /** Starts Caddy, or adopts the one a previous agent process left serving, and says which. */
  async start(): Promise<'started' | 'adopted'> {
    this.supervising = true;
    await mkdir(this.options.runDir, { recursive: true, mode: 0o700 });
    await this.listenForLogs();
    const leftOver = await runningCaddyPid(this.options.runDir, this.bootstrapFile);
    if (leftOver !== null && (await this.admin('GET', '/config/').then(() => true, () => false))) {
      this.running = leftOver;
      this.watch();
      this.options.log.info({ pid: leftOver }, 'adopted the caddy a previous agent process left serving');
      return 'adopted';
    }
    // One that no longer answers its admin API cannot be given a config: a new one takes its ports.
    if (leftOver !== null) await stopCaddy(leftOver);
    this.ready = this.launch();
    try {
      await this.ready;
    } catch (error) {
      await this.stop();
      throw error;
    }
    return 'started';
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

  /** Stops Caddy (gracefully: requests in flight finish). */
  async stop(): Promise<void> {
    const pid = await this.release();
    if (pid !== null) await stopCaddy(pid);
  }

  /** Stops supervising and leaves Caddy serving, for the next agent process to adopt. */
  async detach(): Promise<void> {
    await this.release();
  }

  private async release(): Promise<number | null> {
    this.supervising = false;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    await this.ready.catch(() => undefined);
    for (const connection of this.logConnections) connection.destroy();
    await new Promise<void>((resolve) => (this.logServer ? this.logServer.close(() => resolve()) : resolve()));
    this.logServer = null;
    const pid = this.running;
    this.running = null;
    return pid;
  }

  private async listenForLogs(): Promise<void> {
    await rm(this.logSocket, { force: true });
    const server = net.createServer((connection) => {
      this.logConnections.add(connection);
      connection.once('close', () => this.logConnections.delete(connection));
      connection.on('error', () => connection.destroy());
      readline.createInterface({ input: connection }).on('line', (line) => this.onLine(line));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.logSocket, () => resolve());
    });
    this.logServer = server;
  }

  private async launch(): Promise<void> {
    const socket = this.adminSocket;
    await rm(socket, { force: true });
    const bootstrap = this.bootstrapFile;
    const config = {
      admin: { listen: `unix/${socket}`, origins: [ADMIN_ORIGIN], config: { persist: false } },
      logging: { logs: { default: { writer: { output: 'net', address: `unix/${this.logSocket}` }, encoder: { format: 'json' } } } },
    };
    await writeFile(bootstrap, JSON.stringify(config), { mode: 0o600 });
    // HOME and XDG dirs point into the run dir so Caddy writes nothing into the agent user's home.
    const env = { ...process.env, HOME: this.options.runDir, XDG_CONFIG_HOME: this.options.runDir, XDG_DATA_HOME: this.options.runDir };
    // A file, not a pipe: Go ends a process whose write to a closed stderr pipe fails, and Caddy outlives the agent.
    const output = await open(this.outputFile, 'a', 0o600);
    let pid: number;
    try {
      const child = spawn(this.options.executable, ['run', '--config', bootstrap], { env, stdio: ['ignore', 'ignore', output.fd] });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) => reject(new AgentError('PROXY_FAILED', `could not start ${this.options.executable}: ${error.message}`)));
      });
      // Followed by its pid (`watch`), so the agent's own exit never waits for it.
      child.unref();
      pid = child.pid!;
    } finally {
      await output.close();
    }
    this.running = pid;
    await writeCaddyPid(this.options.runDir, pid);
    await this.waitForAdmin(pid);
    this.watch();
  }

  private get bootstrapFile(): string {
    return path.join(this.options.runDir, 'bootstrap.json');
  }

  private get outputFile(): string {
    return path.join(this.options.runDir, 'caddy.log');
  }

  /** Starts Caddy again, with the last config, when the one followed is gone. */
  private watch(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = setInterval(() => {
      const pid = this.running;
      if (pid === null || alive(pid) || !this.supervising) return;
      this.running = null;
      if (this.watchTimer) clearInterval(this.watchTimer);
      this.options.log.error({ pid }, 'caddy exited; starting it again');
      this.ready = new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS))
        .then(() => (this.supervising ? this.launch() : undefined))
        .then(async () => {
          if (this.current && this.supervising) await this.admin('POST', '/load', this.current);
        });
      this.ready.catch((error: unknown) => this.options.log.error(`caddy did not come back: ${messageOf(error)}`));
    }, WATCH_INTERVAL_MS);
    this.watchTimer.unref();
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

  private async waitForAdmin(pid: number): Promise<void> {
    const deadline = Date.now() + ADMIN_READY_TIMEOUT_MS;
    for (;;) {
      if (!alive(pid)) throw new AgentError('PROXY_FAILED', `caddy exited while starting: ${await this.outputTail()}`);
      try {
        await this.admin('GET', '/config/');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new AgentError('PROXY_FAILED', `caddy's admin API did not answer: ${messageOf(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async outputTail(): Promise<string> {
    const text = await readFile(this.outputFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-OUTPUT_TAIL_LINES).join('\n') || `nothing in ${this.outputFile}`;
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
