import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { CertificateIssuer, ControlPlaneRoute } from '../../../agent/edge/caddy-config.js';
import { EdgeRouter } from '../../../agent/edge/edge-router.js';
import { freePort } from '../../../engines/ports.js';

const run = promisify(execFile);
const REQUEST_TIMEOUT_MS = 10_000;

/** A Caddy run by the agent's edge router on unprivileged ports, in a data folder of its own. */
export async function startEdge(issuer: CertificateIssuer, dataDir?: string, controlPlane?: ControlPlaneRoute) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'syntra-edge-')));
  const router = await EdgeRouter.start({ dataDir: dir, listenHost: '127.0.0.1', httpPort: await freePort(), httpsPort: await freePort(), issuer, controlPlane, log: pino({ level: 'silent' }) });
  return {
    router,
    dataDir: dir,
    /** Caddy's internal CA root, which signs what the `internal` issuer hands out. */
    internalRoot: () => readFile(path.join(router.storageRoot, 'pki', 'authorities', 'local', 'root.crt'), 'utf8'),
    async cleanup(keepData = false) {
      await router.stop();
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
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
    request.on('error', reject);
    request.end();
  });
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
