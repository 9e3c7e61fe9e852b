import { z } from 'zod';
import { Hostname, IsoDateTime, Uuid } from '../primitives.js';

/*
 * The certificate state of each domain the agent's proxy routes, sent in every heartbeat (a field
 * the contract does not name; readers strip unknown keys, so older control planes ignore it).
 * `pending_dns`: no certificate yet and the name does not resolve, so nothing was ordered (an
 * order for a name that points elsewhere would only fail and count against the CA's limits);
 * `issuing`: an order is under way; `active`: a certificate is held until `expires_at`;
 * `error`: the last order failed with the CA's reason.
 */
export const DomainCertificateStatus = z.enum(['pending_dns', 'issuing', 'active', 'error']);
export type DomainCertificateStatus = z.infer<typeof DomainCertificateStatus>;

export const AgentDomainStatus = z.object({
  domain: Hostname,
  service_id: Uuid,
  status: DomainCertificateStatus,
  expires_at: IsoDateTime.nullable(),
  issuer: z.string().nullable().describe("The certificate's issuer, e.g. \"Pebble Intermediate CA\""),
  error: z.string().nullable().describe('The ACME reason of the last failed order'),
});
export type AgentDomainStatus = z.infer<typeof AgentDomainStatus>;
