import { useState, type FormEvent } from 'react';
import type { CreatedApiToken } from '../../../../contracts/api/access.js';
import { tokens } from '../../api/endpoints.js';
import { DataTable } from '../../components/data-table.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Field } from '../../components/field.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';

/* The caller's API tokens: a new one is shown once (only its hash is kept), and any can be revoked. */

export function TokensPage() {
  const list = useLoad(() => tokens.list(), 'tokens');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction(async () => {
    setCopied(false);
    setCreated(await tokens.create({ name: name.trim() }));
    setName('');
    await list.reload();
  });
  const revoke = useAction(async (tokenId: string) => {
    await tokens.revoke(tokenId);
    if (created?.id === tokenId) setCreated(null);
    await list.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  const copy = async () => {
    if (!created) return;
    await navigator.clipboard.writeText(created.token).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <section>
      <h1>API tokens</h1>
      <form className="panel inline-form" onSubmit={submit} aria-label="Create a token">
        <Field label="Token name" value={name} onChange={(event) => setName(event.target.value)} hint="What it is for, e.g. CI deploys" />
        <button type="submit" className="primary" disabled={create.busy || !name.trim()}>
          {create.busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      <FailureNotice failure={create.failure} title="The token was not created" />
      {created ? (
        <div className="notice" role="status">
          <p>
            <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <p className="once">
            <code data-testid="new-token">{created.token}</code>
          </p>
          <button type="button" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      ) : null}
      <FailureNotice failure={list.failure ?? revoke.failure} title="Tokens could not be read or revoked" onRetry={() => void list.reload()} />
      <DataTable
        testId="tokens"
        columns={['Name', 'Starts with', 'Created', 'Last used', 'Revoke']}
        items={list.data}
        empty={<p>No tokens yet.</p>}
        row={(token) => (
          <tr key={token.id} data-token={token.name}>
            <th scope="row">{token.name}</th>
            <td>
              <code>{token.token_prefix}…</code>
            </td>
            <td>{formatTime(token.created_at)}</td>
            <td>{formatTime(token.last_used_at)}</td>
            <td>
              <button
                type="button"
                disabled={revoke.busy}
                onClick={() => {
                  if (window.confirm(`Revoke “${token.name}”? Anything using it stops working.`)) void revoke.run(token.id);
                }}
              >
                Revoke <span className="visually-hidden">{token.name}</span>
              </button>
            </td>
          </tr>
        )}
      />
    </section>
  );
}
