import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * The key the token server signs registry JWTs with, and its certificate, which the registry is
 * given as `rootcertbundle`. Generated once per data folder with openssl (Node makes keys but not
 * X.509 certificates) under private names and hard-linked into place, so two processes starting
 * together agree on one pair.
 */

const run = promisify(execFile);

export interface TokenSigningKey {
  privateKey: KeyObject;
  /** The certificate file the registry trusts. */
  certificateFile: string;
  /** docker/libtrust's key id of the public key: what the registry looks the key up by (`kid`). */
  keyId: string;
}

export const tokenKeyDirectory = (dataDir: string) => path.join(dataDir, 'registry-token');

export async function ensureTokenSigningKey(dataDir: string): Promise<TokenSigningKey> {
  const directory = tokenKeyDirectory(dataDir);
  const keyFile = path.join(directory, 'token.key');
  const certificateFile = path.join(directory, 'token.crt');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const existing = await readFile(keyFile, 'utf8').catch(() => null);
  if (existing === null) {
    const suffix = `${process.pid}-${Date.now()}`;
    const [draftKey, draftCert] = [`${keyFile}.${suffix}`, `${certificateFile}.${suffix}`];
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', draftKey, '-out', draftCert, '-days', '36500', '-subj', '/CN=syntra registry token signer',
    ]);
    // The certificate first: a key without its certificate would be a pair nobody can finish.
    await link(draftCert, certificateFile).catch(() => undefined);
    await link(draftKey, keyFile).catch(() => undefined);
    await Promise.all([rm(draftKey, { force: true }), rm(draftCert, { force: true })]);
  }
  const privateKey = createPrivateKey(await readFile(keyFile, 'utf8'));
  return { privateKey, certificateFile, keyId: libtrustKeyId(privateKey) };
}

/** SHA-256 of the DER public key, 240 bits of it in base32, in twelve groups of four. */
export function libtrustKeyId(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  const encoded = base32(digest);
  return encoded.match(/.{4}/g)!.join(':');
}

function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
