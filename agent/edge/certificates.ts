import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DomainCertificateStatus } from '../../contracts/index.js';
import type { CaddyLogEntry } from './caddy-process.js';

export interface HeldCertificate {
  expiresAt: Date;
  issuer: string;
  serialNumber: string;
}

export interface CertificateState {
  status: DomainCertificateStatus;
  certificate: HeldCertificate | null;
  error: string | null;
}

/**
 * What the agent knows of each domain's certificate: the certificate files in Caddy's storage
 * (the truth, and what survives restarts) and the order events Caddy logs (`tls.obtain`,
 * `tls.on_demand`), which are the only place an ACME failure's reason appears.
 */
export class CertificateTracker {
  private readonly ordering = new Set<string>();
  private readonly failures = new Map<string, string>();

  constructor(private readonly storageRoot: string) {}

  /** Follows Caddy's log: an order starts, succeeds or fails with the CA's reason. */
  observe(entry: CaddyLogEntry): void {
    const domain = typeof entry.identifier === 'string' ? entry.identifier : typeof entry.server_name === 'string' ? entry.server_name : null;
    if (!domain || !entry.logger?.startsWith('tls')) return;
    if (entry.msg === 'obtaining certificate' || entry.msg === 'obtaining new certificate') {
      this.ordering.add(domain);
    } else if (entry.msg === 'certificate obtained successfully') {
      this.ordering.delete(domain);
      this.failures.delete(domain);
    } else if (entry.level === 'error' && typeof entry.error === 'string') {
      this.ordering.delete(domain);
      this.failures.set(domain, entry.error);
    }
  }

  /** The newest certificate Caddy holds for the name, whichever issuer gave it. */
  async held(domain: string): Promise<HeldCertificate | null> {
    const root = path.join(this.storageRoot, 'certificates');
    const issuers = await readdir(root).catch(() => [] as string[]);
    let newest: HeldCertificate | null = null;
    for (const issuer of issuers) {
      const pem = await readFile(path.join(root, issuer, domain, `${domain}.crt`), 'utf8').catch(() => null);
      if (!pem) continue;
      const leaf = new X509Certificate(pem);
      const expiresAt = new Date(leaf.validTo);
      if (!newest || expiresAt > newest.expiresAt) newest = { expiresAt, issuer: issuerName(leaf.issuer), serialNumber: leaf.serialNumber };
    }
    return newest;
  }

  async state(domain: string, resolves: boolean): Promise<CertificateState> {
    const certificate = await this.held(domain);
    const error = this.failures.get(domain) ?? null;
    if (certificate && certificate.expiresAt.getTime() > Date.now()) return { status: 'active', certificate, error: null };
    if (this.ordering.has(domain)) return { status: 'issuing', certificate, error: null };
    if (error) return { status: 'error', certificate, error };
    return { status: resolves ? 'issuing' : 'pending_dns', certificate, error: null };
  }
}

/* X509Certificate.issuer is "C=US\nO=…\nCN=Pebble Intermediate CA 1a2b": the CN names it best. */
function issuerName(issuer: string): string {
  const commonName = issuer.split('\n').find((part) => part.startsWith('CN='));
  return commonName ? commonName.slice(3) : issuer.replace(/\n/g, ', ');
}
