import { z } from 'zod';
import { Hostname, HttpUrl, IpAddress, IsoDateTime } from '../primitives.js';
import { Email } from './access.js';
import { DomainCertificateStatus } from '../websocket/domains.js';

/** One domain of a service and its certificate, as the server's agent last reported it. */
export const ServiceDomain = z.object({
  domain: Hostname,
  default: z.boolean().describe('The platform\'s `<service>-<project>.<base>` under SYNTRA_BASE_DOMAIN; not one of the service\'s `domains`, not removable'),
  status: DomainCertificateStatus.describe('pending_dns until the agent reports otherwise'),
  dns_record: z
    .object({ type: z.enum(['A', 'AAAA']), name: Hostname, value: IpAddress })
    .nullable()
    .describe("The record to create at the DNS provider; null when the server's public IP is unknown"),
  expires_at: IsoDateTime.nullable(),
  issuer: z.string().nullable(),
  error: z.string().nullable().describe('The ACME reason of the last failed order'),
  checked_at: IsoDateTime.nullable().describe('When the agent last reported it'),
});
export type ServiceDomain = z.infer<typeof ServiceDomain>;

/** Where a service answers: its domains, and the agent's stable endpoint on its server. */
export const ServiceAddresses = z.object({
  endpoint: z.string().nullable().describe('host:port on the server, from the latest deployment that reported one'),
  server_ip: IpAddress.nullable(),
  domains: z.array(ServiceDomain),
});
export type ServiceAddresses = z.infer<typeof ServiceAddresses>;

/** Let's Encrypt's production directory: what an organization that never chose gets. */
export const LETS_ENCRYPT_DIRECTORY_URL = 'https://acme-v02.api.letsencrypt.org/directory';

/**
 * Where the organization's servers order certificates: the ACME directory and the account's
 * contact, sent to their agents with every deploy. Servers whose agent runs Caddy's internal CA
 * (SYNTRA_AGENT_TLS_ISSUER=internal) keep it.
 */
export const AcmeSettings = z.object({
  directory_url: HttpUrl,
  email: z.string().nullable().describe('Where the CA writes about expiring certificates and problems; none by default'),
  updated_at: IsoDateTime.nullable().describe('null while the defaults were never changed'),
});
export type AcmeSettings = z.infer<typeof AcmeSettings>;

export const UpdateAcmeSettings = z.strictObject({
  directory_url: HttpUrl.max(2048).regex(/^https:\/\//, 'an ACME directory is served over https').optional(),
  email: Email.nullable().optional(),
});
export type UpdateAcmeSettings = z.infer<typeof UpdateAcmeSettings>;
