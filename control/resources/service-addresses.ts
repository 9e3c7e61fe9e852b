import { isIPv6 } from 'node:net';
import type { ServiceAddresses, ServiceDomain } from '../../contracts/index.js';
import type { ServiceDomainRow } from '../../db/postgres/tables/deploy.js';
import { isoTimestampOrNull } from './timestamps.js';

/** A domain and its certificate, naming the DNS record that points it at the service's server. */
export function serviceDomainResource(row: ServiceDomainRow, serverIp: string | null): ServiceDomain {
  return {
    domain: row.domain,
    default: row.is_default,
    status: row.status,
    dns_record: serverIp ? { type: isIPv6(serverIp) ? 'AAAA' : 'A', name: row.domain, value: serverIp } : null,
    expires_at: isoTimestampOrNull(row.expires_at),
    issuer: row.issuer,
    error: row.error,
    checked_at: isoTimestampOrNull(row.checked_at),
  };
}

/** Where a service answers: its domains, and the agent's stable endpoint on its server. */
export function serviceAddresses(domains: readonly ServiceDomainRow[], serverIp: string | null, endpoint: string | null): ServiceAddresses {
  // The default domain first: it is the address every service has.
  const ordered = [...domains].sort((a, b) => Number(b.is_default) - Number(a.is_default));
  return { endpoint, server_ip: serverIp, domains: ordered.map((row) => serviceDomainResource(row, serverIp)) };
}
