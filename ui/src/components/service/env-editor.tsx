import { useState, type FormEvent } from 'react';
import type { EnvVar } from '../../../../contracts/api/resources.js';
import { services } from '../../api/endpoints.js';
import { useAction, useLoad } from '../../hooks.js';
import { useCan, useSession } from '../../session.js';
import { FailureNotice } from '../failure-notice.js';

/*
 * The API replaces the whole set on save, and a masked secret would be saved as its mask: so
 * editing starts from the revealed values, which needs `secrets.read` (docs/rbac.md) and is
 * audited by the API.
 */
export function EnvEditor({ serviceId }: { serviceId: string }) {
  const [revealed, setRevealed] = useState(false);
  const list = useLoad(() => services.envVars(serviceId, revealed), `${serviceId}:${revealed}`);
  const { role } = useSession().identity;
  const canReveal = useCan('secrets.read');
  const canWrite = useCan('env.write');
  const [draft, setDraft] = useState<EnvVar[] | null>(null);
  const [saved, setSaved] = useState(false);

  const edit = useAction(async () => {
    setSaved(false);
    setDraft(await services.envVars(serviceId, true));
  });
  const save = useAction(async () => {
    await services.putEnvVars(serviceId, { variables: draft!.filter((variable) => variable.key.trim() !== '') });
    setDraft(null);
    setSaved(true);
    await list.reload();
  });
  const change = (index: number, patch: Partial<EnvVar>) =>
    setDraft((rows) => rows!.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  return (
    <section className="panel" aria-labelledby="env-title">
      <div className="page-head">
        <h2 id="env-title">Environment variables</h2>
        {!draft && canReveal ? (
          <button type="button" onClick={() => setRevealed((now) => !now)}>
            {revealed ? 'Hide secrets' : 'Reveal secrets'}
          </button>
        ) : null}
        {!draft && canWrite ? (
          <button type="button" disabled={edit.busy} onClick={() => void edit.run()}>
            {edit.busy ? 'Opening…' : 'Edit'}
          </button>
        ) : null}
      </div>
      {!canReveal ? <p className="muted">Your role ({role}) sees secret values masked.</p> : null}
      <FailureNotice failure={list.failure ?? edit.failure} title="Could not read the variables" />
      {saved ? <p role="status">Saved. Deploy or restart for running containers to get them.</p> : null}
      {draft ? (
        <form onSubmit={submit}>
          <table className="env-table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Secret</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {draft.map((row, index) => (
                <tr key={index}>
                  <td>
                    <input aria-label={`Key ${index + 1}`} value={row.key} onChange={(event) => change(index, { key: event.target.value })} />
                  </td>
                  <td>
                    <input
                      aria-label={`Value of ${row.key || `variable ${index + 1}`}`}
                      type={row.is_secret ? 'password' : 'text'}
                      value={row.value}
                      onChange={(event) => change(index, { value: event.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${row.key || `Variable ${index + 1}`} is secret`}
                      checked={row.is_secret}
                      onChange={(event) => change(index, { is_secret: event.target.checked })}
                    />
                  </td>
                  <td>
                    <button type="button" className="link-button" onClick={() => setDraft((rows) => rows!.filter((_, at) => at !== index))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="button-row">
            <button type="button" onClick={() => setDraft((rows) => [...rows!, { key: '', value: '', is_secret: false }])}>
              Add variable
            </button>
            <button type="submit" className="primary" disabled={save.busy}>
              {save.busy ? 'Saving…' : 'Save variables'}
            </button>
            <button type="button" className="link-button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
          <FailureNotice failure={save.failure} title="Could not save the variables" />
        </form>
      ) : list.data?.length === 0 ? (
        // Outside the list: a <dl> may hold only its groups.
        <p className="muted" data-testid="env-vars">
          None.
        </p>
      ) : (
        // A <dl> holds only its groups (axe: definition-list), so "None." stands outside it.
        <>
          {list.data?.length === 0 ? <p className="muted">None.</p> : null}
          <dl className="env-list" data-testid="env-vars">
            {list.data?.map((variable) => (
              <div key={variable.key}>
                <dt>{variable.key}</dt>
                <dd>
                  <code>{variable.value}</code>
                  {variable.is_secret ? <span className="tag">secret</span> : null}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
