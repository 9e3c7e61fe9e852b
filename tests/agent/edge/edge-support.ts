import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { ADMIN_ORIGIN, type CertificateIssuer, type ControlPlaneRoute } from '../../../agent/edge/caddy-config.js';
import { EdgeRouter } from '../../../agent/edge/edge-router.js';
import { freePort } from '../../../engines/ports.js';

const run = promisify(execFile);
const REQUEST_TIMEOUT_MS = 10_000;

/** A Caddy run by the agent's edge router on unprivileged ports (new ones unless given), in a data folder of its own. */
export async function startEdge(issuer: CertificateIssuer, dataDir?: string, controlPlane?: ControlPlaneRoute, ports?: { http: number; https: number }) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'syntra-edge-')));
  const router = await EdgeRouter.start({
    dataDir: dir,
    listenHost: '127.0.0.1',
    httpPort: ports?.http ?? (await freePort()),
    httpsPort: ports?.https ?? (await freePort()),
    issuer,
    controlPlane,
    log: pino({ level: 'silent' }),
  });
  return {
    router,
    dataDir: dir,
    /** Caddy's internal CA root, which signs what the `internal` issuer hands out. */
    internalRoot: () => readFile(path.join(router.storageRoot, 'pki', 'authorities', 'local', 'root.crt'), 'utf8'),
    /** The addresses the route of a service dials, as Caddy itself reports its running config. */
    async dialedUpstreams(serviceId: string): Promise<string[]> {
      const route = JSON.parse(await caddyAdminGet(path.join(dir, 'caddy', 'run', 'admin.sock'), `/id/service-${serviceId}`)) as {
        handle: { handler: string; upstreams?: { dial: string }[] }[];
      };
      return route.handle.flatMap((handler) => handler.upstreams ?? []).map((upstream) => upstream.dial);
    },
    async cleanup(keepData = false) {
      await router.stop();
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}

function caddyAdminGet(socketPath: string, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: urlPath, headers: { host: ADMIN_ORIGIN } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === 200) resolve(body);
        else reject(new Error(`caddy admin GET ${urlPath}: HTTP ${response.statusCode} ${body}`));
      });
    });
    request.on('error', reject);
  });
}

export interface HttpsAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  certificate: { serialNumber: string; issuer: string; validTo: string };
}

/** GET https://<domain>:<port><path> with the name resolved to 127.0.0.1 (curl's --resolve), verifying against `ca`. */
export function httpsGet(domain: string, port: number, urlPath: string, ca: string, agent?: https.Agent): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: '127.0.0.1', port, path: urlPath, servername: domain, headers: { host: `${domain}:${port}` }, ca, agent: agent ?? false, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        // Read now: with keep-alive the socket goes back to the pool when the body ends.
        const peer = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').trim(),
            headers: response.headers,
            certificate: { serialNumber: peer.serialNumber, issuer: String(peer.issuer?.CN ?? ''), validTo: peer.valid_to },
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => reject(Object.assign(error, { reusedSocket: request.reusedSocket })));
    request.end();
  });
}

/*
 * A GET as browsers send it (RFC 9112 §9.3.1): one sent on a kept-alive connection that the server
 * closed before any answer is sent again, once, on a new connection. Caddy closes its idle
 * keep-alive connections whenever a new config replaces the old (every change of a service's
 * replicas), and a request can cross that close on the wire; nothing else is retried.
 */
export async function httpsGetLikeABrowser(domain: string, port: number, urlPath: string, ca: string, agent: https.Agent): Promise<HttpsAnswer> {
  try {
    return await httpsGet(domain, port, urlPath, ca, agent);
  } catch (error) {
    if (!(error as { reusedSocket?: boolean }).reusedSocket) throw error;
    return httpsGet(domain, port, urlPath, ca);
  }
}

/** curl itself, as a user would check a site: `--resolve` pins the name to loopback, `--cacert` trusts the CA. */
export async function curl(domain: string, port: number, urlPath: string, caFile: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', [
    '--silent',
    '--show-error',
    '--max-time',
    '10',
    '--resolve',
    `${domain}:${port}:127.0.0.1`,
    '--cacert',
    caFile,
    '--write-out',
    '\n%{http_code}',
    `https://${domain}:${port}${urlPath}`,
  ]);
  const lines = stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n').trim() };
}
