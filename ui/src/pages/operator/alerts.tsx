import { useState, type FormEvent } from 'react';
import type { AlertCondition, AlertIncident, AlertRule, AlertTestResult } from '../../../../contracts/api/automation.js';
import { alerts, projects } from '../../api/endpoints.js';
import { DataTable } from '../../components/data-table.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Field } from '../../components/field.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useAction, useLoad } from '../../hooks.js';
import { createRequest, draftOf, emptyAlertDraft, updateRequest, type AlertDraft, type AlertFormErrors } from '../../logic/alert-form.js';
import { formatTime } from '../../logic/format.js';
import { useCan } from '../../session.js';

/* The organization's alert rules (create, edit, send a test, pause, delete) and their incidents (timeline, acknowledge). */

function describe(condition: AlertCondition): string {
  switch (condition.type) {
    case 'error_rate':
      return `errors above ${condition.threshold_percent} % over ${condition.window_minutes} min`;
    case 'latency':
      return `p${condition.percentile} above ${condition.threshold_ms} ms over ${condition.window_minutes} min`;
    case 'downtime':
      return `${condition.consecutive_failures} failed health checks in a row`;
    case 'custom':
      return `${condition.aggregation}(${condition.metric}) ${condition.operator} ${condition.threshold} over ${condition.window_minutes} min`;
  }
}

/** An incident's steps in the order they happened: fired, then acknowledged and resolved when they were. */
function IncidentTimeline({ incident, rule }: { incident: AlertIncident; rule: string }) {
  const steps = [
    { what: 'fired', at: incident.fired_at },
    ...(incident.acknowledged_at ? [{ what: 'acknowledged', at: incident.acknowledged_at }] : []),
    ...(incident.resolved_at ? [{ what: 'resolved', at: incident.resolved_at }] : []),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <ol className="incident-timeline" aria-label={`Timeline of ${rule}`}>
      {steps.map((step) => (
        <li key={step.what} data-step={step.what}>
          <strong>{step.what}</strong> <time dateTime={step.at}>{formatTime(step.at)}</time>
        </li>
      ))}
    </ol>
  );
}

function TestOutcome({ rule, result }: { rule: string; result: AlertTestResult }) {
  return (
    <div className="panel" data-testid="alert-test-result">
      <h3>Test of “{rule}”</h3>
      <ul>
        {result.channels.map((channel) => (
          <li key={channel.id} data-channel={channel.type} data-delivered={channel.delivered}>
            {channel.type}: {channel.delivered ? 'delivered' : `failed: ${channel.error ?? 'no answer'}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function AlertsPage() {
  const rules = useLoad(() => alerts.list(), 'alerts');
  const incidents = useLoad(() => alerts.incidents(), 'incidents');
  const canManage = useCan('alerts.manage');
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const names = new Map((rules.data ?? []).map((rule) => [rule.id, rule.name]));
  const change = useAction(async (perform: () => Promise<unknown>) => {
    await perform();
    await Promise.all([rules.reload(), incidents.reload()]);
  });
  const [tested, setTested] = useState<{ rule: string; result: AlertTestResult } | null>(null);
  const sendTest = useAction(async (rule: AlertRule) => {
    setTested(null);
    setTested({ rule: rule.name, result: await alerts.test(rule.id) });
  });

  return (
    <section>
      <div className="page-head">
        <h1>Alerts</h1>
        {canManage && editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New alert rule
          </button>
        ) : null}
      </div>
      {editing ? (
        <AlertForm
          key={editing === 'new' ? 'new' : editing.id}
          rule={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            void rules.reload();
          }}
        />
      ) : null}
      <FailureNotice failure={rules.failure ?? change.failure} title="Alerts could not be read or changed" onRetry={() => void rules.reload()} />
      <h2>Rules</h2>
      <DataTable
        testId="alert-rules"
        columns={['Rule', 'Condition', 'Channels', 'State', canManage ? 'Actions' : null]}
        items={rules.data}
        empty={<p>No alert rules yet. A rule watches a project or a service and posts to a webhook when it fires.</p>}
        row={(rule) => (
          <tr key={rule.id} data-rule={rule.name}>
            <th scope="row">{rule.name}</th>
            <td>{describe(rule.condition)}</td>
            <td>{rule.channels.map((channel) => channel.type).join(', ')}</td>
            <td>{rule.is_active ? 'active' : 'paused'}</td>
            {canManage ? (
              <td className="button-row">
                <button type="button" onClick={() => setEditing(rule)}>
                  Edit <span className="visually-hidden">{rule.name}</span>
                </button>
                <button type="button" disabled={sendTest.busy} onClick={() => void sendTest.run(rule)}>
                  {sendTest.busy ? 'Sending…' : 'Send test'} <span className="visually-hidden">to the channels of {rule.name}</span>
                </button>
                <button type="button" disabled={change.busy} onClick={() => void change.run(() => alerts.update(rule.id, { is_active: !rule.is_active }))}>
                  {rule.is_active ? 'Pause' : 'Resume'} <span className="visually-hidden">{rule.name}</span>
                </button>
                <button
                  type="button"
                  disabled={change.busy}
                  onClick={() => {
                    if (window.confirm(`Delete the alert rule “${rule.name}” and its incidents?`)) void change.run(() => alerts.remove(rule.id));
                  }}
                >
                  Delete <span className="visually-hidden">{rule.name}</span>
                </button>
              </td>
            ) : null}
          </tr>
        )}
      />
      <FailureNotice failure={sendTest.failure} title="The test could not be sent" />
      <div aria-live="polite">{tested ? <TestOutcome rule={tested.rule} result={tested.result} /> : null}</div>
      <div className="page-head">
        <h2>Incidents</h2>
        <button type="button" onClick={() => void incidents.reload()}>
          Refresh incidents
        </button>
      </div>
      <FailureNotice failure={incidents.failure} title="Could not load the incidents" />
      <DataTable
        testId="incidents"
        columns={['Rule', 'What happened', 'Timeline', 'Status', 'Acknowledged']}
        items={incidents.data}
        empty={<p>No incidents: no rule has fired.</p>}
        row={(incident) => (
          <tr key={incident.id} data-incident={names.get(incident.alert_id) ?? incident.alert_id}>
            <th scope="row">{names.get(incident.alert_id) ?? '—'}</th>
            <td>
              {incident.message}
              {incident.ai_summary ? (
                <details className="incident-summary">
                  <summary>Summary</summary>
                  <p data-testid="incident-summary">{incident.ai_summary}</p>
                </details>
              ) : null}
            </td>
            <td>
              <IncidentTimeline incident={incident} rule={names.get(incident.alert_id) ?? 'the incident'} />
            </td>
            <td>
              <StatusBadge status={incident.status} />
            </td>
            <td>
              {incident.acknowledged_at ? (
                formatTime(incident.acknowledged_at)
              ) : canManage && incident.status === 'firing' ? (
                <button type="button" disabled={change.busy} onClick={() => void change.run(() => alerts.acknowledge(incident.id))}>
                  Acknowledge
                </button>
              ) : (
                '—'
              )}
            </td>
          </tr>
        )}
      />
    </section>
  );
}

function AlertForm({ rule, onDone }: { rule: AlertRule | null; onDone: () => void }) {
  const [draft, setDraft] = useState<AlertDraft>(rule ? draftOf(rule) : emptyAlertDraft);
  const [errors, setErrors] = useState<AlertFormErrors>({});
  const projectList = useLoad(() => projects.list(), 'projects');
  const project = useLoad(() => (draft.projectId ? projects.get(draft.projectId) : Promise.resolve(null)), draft.projectId || 'none');
  const save = useAction(async () => {
    if (rule) {
      const result = updateRequest(draft);
      if (!result.ok) return setErrors(result.errors);
      await alerts.update(rule.id, result.request);
    } else {
      const result = createRequest(draft);
      if (!result.ok) return setErrors(result.errors);
      await alerts.create(result.request);
    }
    onDone();
  });
  const set = (field: keyof AlertDraft) => (event: { target: { value: string } }) => setDraft((current) => ({ ...current, [field]: event.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    void save.run();
  };
  const thresholdLabel = draft.type === 'error_rate' ? 'Error threshold (%)' : draft.type === 'latency' ? 'Latency threshold (ms)' : 'Failed checks in a row';

  return (
    <form className="panel" onSubmit={submit} aria-label={rule ? `Edit ${rule.name}` : 'New alert rule'} noValidate>
      <h2>{rule ? `Edit ${rule.name}` : 'New alert rule'}</h2>
      <Field label="Rule name" value={draft.name} onChange={set('name')} error={errors.name} />
      {rule ? null : (
        <div className="field-row">
          <Field label="Project" error={errors.target}>
            {(control) => (
              <select {...control} value={draft.projectId} onChange={(event) => setDraft((current) => ({ ...current, projectId: event.target.value, serviceId: '' }))}>
                <option value="">Choose a project</option>
                {(projectList.data ?? []).map((each) => (
                  <option key={each.id} value={each.id}>
                    {each.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Service">
            {(control) => (
              <select {...control} value={draft.serviceId} onChange={set('serviceId')}>
                <option value="">Every service of the project</option>
                {(project.data?.services ?? []).map((each) => (
                  <option key={each.id} value={each.id}>
                    {each.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
      <div className="field-row">
        <Field label="Condition">
          {(control) => (
            <select {...control} value={draft.type} onChange={set('type')}>
              <option value="error_rate">Error rate</option>
              <option value="latency">Latency</option>
              <option value="downtime">Downtime</option>
            </select>
          )}
        </Field>
        {draft.type === 'latency' ? (
          <Field label="Percentile">
            {(control) => (
              <select {...control} value={draft.percentile} onChange={set('percentile')}>
                {['50', '90', '95', '99'].map((each) => (
                  <option key={each} value={each}>
                    p{each}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <Field label={thresholdLabel} inputMode="decimal" value={draft.threshold} onChange={set('threshold')} error={errors.threshold} />
        {draft.type === 'downtime' ? null : (
          <Field label="Window (minutes)" inputMode="numeric" value={draft.windowMinutes} onChange={set('windowMinutes')} error={errors.windowMinutes} />
        )}
      </div>
      {rule ? (
        <p className="muted">Channels: {rule.channels.map((channel) => channel.type).join(', ')} (kept as they are).</p>
      ) : (
        <div className="field-row">
          <Field label="Webhook URL" type="url" value={draft.webhookUrl} onChange={set('webhookUrl')} error={errors.webhookUrl} />
          <Field
            label="Webhook secret"
            type="password"
            value={draft.webhookSecret}
            onChange={set('webhookSecret')}
            error={errors.webhookSecret}
            hint="At least 16 characters; signs each delivery (X-Syntra-Signature)"
          />
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <FailureNotice failure={save.failure} title="The rule was not saved" />
    </form>
  );
}
