import { useState, type FormEvent } from 'react';
import type { CreateServerResult } from '../../../contracts/api/requests.js';
import type { Server } from '../../../contracts/api/resources.js';
import { servers } from '../api/endpoints.js';
import { Field } from '../components/field.js';
import { FailureNotice } from '../components/failure-notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { useAction, useInterval } from '../hooks.js';
import { Link } from 'react-router';

/* No socket event reports presence yet, so the page asks for the server at this pace. */
const presencePollMs = 2_000;

export function AddServerPage() {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreateServerResult | null>(null);
  const [server, setServer] = useState<Server | null>(null);
  const create = useAction(async () => setCreated(await servers.create({ name: name.trim() })));
  const online = server?.status === 'online';
  const poll = useAction(async () => setServer(await servers.get(created!.server_id)));
  useInterval(() => void poll.run(), presencePollMs, created !== null && !online);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };

  return (
    <section>
      <h1>Add a server</h1>
      {!created ? (
        <form onSubmit={submit}>
          <Field label="Server name" name="name" required autoFocus value={name} onChange={(event) => setName(event.target.value)} hint="How it is called in Syntra, e.g. web-1" />
          <button type="submit" className="primary" disabled={create.busy || name.trim() === ''}>
            {create.busy ? 'Registering…' : 'Register server'}
          </button>
          <FailureNotice failure={create.failure} title="Could not register the server" />
        </form>
      ) : (
        <>
          <p>Run this on the server, as root. It downloads the agent, checks it and starts it:</p>
          <pre className="command" data-testid="install-command" tabIndex={0}>
            {created.install_command}
          </pre>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(created.install_command)}>
            Copy command
          </button>
          <p className="muted">The command holds the agent's token; it is shown only now.</p>
          <div className="notice" aria-live="polite" data-testid="presence">
            {online ? (
              <>
                <StatusBadge status="online" /> <strong>{server.name} is connected</strong>
                {server.agent_version ? ` (agent ${server.agent_version})` : ''}. <Link to="/servers">Back to servers</Link>
              </>
            ) : (
              <>
                <span className="spinner" aria-hidden="true" /> Waiting for the agent to connect… (status{' '}
                <StatusBadge status={server?.status ?? 'offline'} />)
              </>
            )}
          </div>
          <FailureNotice failure={poll.failure} title="Could not read the server's status" />
        </>
      )}
    </section>
  );
}
