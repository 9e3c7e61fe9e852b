import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from '../../engines/ports.js';

/*
 * The reference proxies of bench/proxy-overhead.ts: what terminating TLS and forwarding costs on
 * this machine without Caddy. The floor is the least an HTTPS reverse proxy in Go can do (Caddy's
 * language; bench/support/go/tls-proxy). HAProxy (Debian `haproxy`, only when installed) is the
 * usual C proxy for the same job. Bench only: their configuration is a file written here, which
 * the agent never does for Caddy.
 */

const run = promisify(execFile);
const START_TIMEOUT_MS = 5_000;

export interface ReferenceProxy {
  name: string;
  port: number;
  /** The PEM the load generator trusts for it. */
  caFile: string;
  pid: number;
  stop(): void;
}

function started(name: string, child: ChildProcess, port: number, caFile: string): ReferenceProxy {
  return { name, port, caFile, pid: child.pid!, stop: () => child.kill() };
}

/** The Go floor proxy (a binary built by `buildGoProgram('tls-proxy')`), forwarding to `upstream` (a URL). */
export async function startFloorProxy(binary: string, upstream: string, host: string, workDir: string): Promise<ReferenceProxy> {
  const port = await freePort();
  const caFile = path.join(workDir, 'floor.crt');
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-upstream', upstream, '-host', host, '-cert', caFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, START_TIMEOUT_MS);
  return started('floor proxy', child, port, caFile);
}

/**
 * HAProxy in HTTP mode, forwarding to `upstream` (host:port): TLS with a P-256 certificate made here, HTTP/1.1 keep-alive both sides,
 * connections to the replica reused, no logs; null when `haproxy` is not installed.
 */
export async function startHaproxy(upstream: string, host: string, workDir: string): Promise<ReferenceProxy | null> {
  if (!(await run('haproxy', ['-v']).then(() => true, () => false))) return null;
  const key = path.join(workDir, 'haproxy.key');
  const caFile = path.join(workDir, 'haproxy.crt');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', key, '-out', caFile]);
  const bundle = path.join(workDir, 'haproxy.pem');
  await writeFile(bundle, (await readFile(caFile, 'utf8')) + (await readFile(key, 'utf8')), { mode: 0o600 });
  const port = await freePort();
  const config = path.join(workDir, 'haproxy.cfg');
  await writeFile(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend https',
      `  bind 127.0.0.1:${port} ssl crt ${bundle}`,
      '  default_backend replica',
      'backend replica',
      '  http-reuse always',
      `  server replica ${upstream}`,
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, START_TIMEOUT_MS);
  return started('haproxy', child, port, caFile);
}
