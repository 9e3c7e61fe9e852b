import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from '../../../engines/ports.js';

const run = promisify(execFile);

/**
 * Pebble, Let's Encrypt's ACME test server, on loopback. Its own HTTPS uses a certificate made
 * here (the agent trusts it through `trustedRootsPemFiles`, as it would a private CA), and
 * `PEBBLE_VA_ALWAYS_VALID` stands in for the challenge: the test's names do not resolve, and
 * everything else (accounts, orders, finalisation, the issued chain) is the real flow.
 */
export async function startPebble() {
  const dir = await mkdtemp(path.join(tmpdir(), 'syntra-pebble-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile,
  ]);
  const [acmePort, managementPort] = [await freePort(), await freePort()];
  const configFile = path.join(dir, 'pebble.json');
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: certFile,
      privateKey: keyFile,
      httpPort: await freePort(),
      tlsPort: await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
    },
  };
  await writeFile(configFile, JSON.stringify(config));
  const env = { ...process.env, PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' };
  const child: ChildProcess = spawn('pebble', ['-config', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await waitForPort(acmePort, 15_000);
  return {
    directory: `https://127.0.0.1:${acmePort}/dir`,
    /** The PEM of Pebble's own HTTPS certificate. */
    serverCertFile: certFile,
    /** How many orders Pebble received so far. */
    orders: () => output.split('\n').filter((line) => line.includes('/order-plz')).length,
    /** The root Pebble issues certificates under (made anew at each Pebble start). */
    async issuingRoot(): Promise<string> {
      const { readFile } = await import('node:fs/promises');
      const ca = await readFile(certFile, 'utf8');
      return new Promise((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: managementPort, path: '/roots/0', ca }, (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
            response.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
