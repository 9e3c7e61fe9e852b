import { useCallback, useId, useState, type FormEvent } from 'react';
import type { ServiceDomain } from '../../../../contracts/api/domains.js';
import type { Service } from '../../../../contracts/api/resources.js';
import { Domain } from '../../../../contracts/primitives.js';
import { services } from '../../api/endpoints.js';
import { useDomainStatus } from '../../api/live.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { FailureNotice } from '../failure-notice.js';
import { StatusBadge } from '../status-badge.js';

/*
 * Where the service answers: its domains with their certificate's state, and the agent's stable
 * endpoint on the server. The default domain (under the installation's base domain) is the
 * platform's and cannot be removed here. A domain's state changes when a heartbeat reports it; those arrive live
 * and replace the row until the next read over REST.
 */

/* Each state has its own sign, so the state reads without its colour. */
const statusSign: Record<ServiceDomain['status'], string> = { pending_dns: '○', issuing: '◌', active: '✓', error: '⚠' };

function DomainState({ domain }: { domain: ServiceDomain }) {
  switch (domain.status) {
    case 'pending_dns':
      return domain.dns_record ? (
        <span>
          Create this DNS record: <code data-testid="dns-record">{`${domain.dns_record.name} ${domain.dns_record.type} ${domain.dns_record.value}`}</code>
        </span>
      ) : (
        <span>Point this name at the server; its public IP is not known yet.</span>
      );
    case 'issuing':
      return <span>The name resolves; a certificate is being ordered.</span>;
    case 'active':
      return <span>Certificate valid until {domain.expires_at ? formatTime(domain.expires_at) : 'an unknown date'}{domain.issuer ? `, issued by ${domain.issuer}` : ''}.</span>;
    case 'error':
      return <span className="domain-error">The certificate could not be issued: {domain.error ?? 'no reason given'}</span>;
  }
}

export function DomainsPanel({ service, canEdit, onChanged }: { service: Pick<Service, 'id' | 'domains'>; canEdit: boolean; onChanged: () => Promise<void> }) {
  const addresses = useLoad(() => services.addresses(service.id), `domains:${service.id}`);
  const [arrived, setArrived] = useState<Record<string, ServiceDomain>>({});
  const [draft, setDraft] = useState('');
  const [draftProblem, setDraftProblem] = useState<string | null>(null);
  const inputId = useId();

  const reload = useCallback(async () => {
    await addresses.reload();
    setArrived({});
  }, [addresses.reload]);
  useDomainStatus(service.id, (message) => setArrived((known) => ({ ...known, [message.domain.domain]: message.domain })), () => void reload());

  /* `done` runs only once the API accepted the list: a refused name stays in the field to correct. */
  const change = useAction(async (domains: string[], done?: () => void) => {
    await services.update(service.id, { domains });
    done?.();
    await Promise.all([onChanged(), reload()]);
  });

  const add = (event: FormEvent) => {
    event.preventDefault();
    const name = draft.trim().toLowerCase();
    const parsed = Domain.safeParse(name);
    if (!parsed.success) return setDraftProblem(parsed.error.issues[0]?.message ?? 'Not a domain name');
    if (service.domains.includes(name)) return setDraftProblem(`${name} is already a domain of this service`);
    setDraftProblem(null);
    void change.run([...service.domains, name], () => setDraft(''));
  };

  const data = addresses.data;
  const domains = (data?.domains ?? []).map((domain) => arrived[domain.domain] ?? domain);
  return (
    <div className="panel" data-testid="domains-panel">
      <h2>Domains</h2>
      <FailureNotice failure={addresses.failure} title="Could not read the service's domains" onRetry={() => void reload()} />
      <FailureNotice failure={change.failure} title="Could not change the domains" />
      <p data-testid="endpoint">
        {data?.endpoint
          ? `On its server${data.server_ip ? ` (${data.server_ip})` : ''}, the service answers at ${data.endpoint}.`
          : 'The service has no endpoint yet: it gets one at its first deploy.'}
      </p>
      {domains.length > 0 ? (
        <ul className="domain-list">
          {domains.map((domain) => (
            <li key={domain.domain} data-domain={domain.domain}>
              <span className="domain-name">
                <a href={`https://${domain.domain}`} rel="noreferrer" target="_blank">
                  {domain.domain}
                </a>{' '}
                <span aria-hidden="true" className={`domain-sign badge-${domain.status}`}>
                  {statusSign[domain.status]}
                </span>{' '}
                <StatusBadge status={domain.status} />
                {domain.default ? <span className="muted small"> default address</span> : null}
              </span>
              <span className="domain-state">
                <DomainState domain={domain} />
              </span>
              {canEdit && !domain.default ? (
                <button type="button" disabled={change.busy} aria-label={`Remove ${domain.domain}`} onClick={() => void change.run(service.domains.filter((name) => name !== domain.domain))}>
                  Remove
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : data ? (
        <p className="muted">No domain yet: the service answers only on its server.</p>
      ) : null}
      {canEdit ? (
        <form className="inline-form" onSubmit={add} noValidate>
          <label htmlFor={inputId}>New domain</label>
          <input
            id={inputId}
            value={draft}
            placeholder="shop.example.com"
            aria-invalid={draftProblem !== null}
            aria-describedby={draftProblem ? `${inputId}-problem` : undefined}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="submit" disabled={change.busy || draft.trim() === ''}>
            Add domain
          </button>
          {draftProblem ? (
            <p id={`${inputId}-problem`} className="field-error" role="alert">
              {draftProblem}
            </p>
          ) : null}
        </form>
      ) : null}
      <p className="muted small">Added and removed domains reach the server with the next deploy.</p>
    </div>
  );
}
