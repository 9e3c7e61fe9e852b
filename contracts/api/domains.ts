import { z } from 'zod';
import { Hostname, IpAddress, IsoDateTime } from '../primitives.js';
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
