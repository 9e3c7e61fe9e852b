import { useState, type FormEvent } from 'react';
import { auditLogs, members } from '../../api/endpoints.js';
import { DataTable } from '../../components/data-table.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Field } from '../../components/field.js';
import { useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';

/* Who changed what, newest first, filtered by actor, action and resource type. */
const entriesShown = 100;

interface AuditFilter {
  userId: string;
  action: string;
  resourceType: string;
}

export function AuditLogPage() {
  const people = useLoad(() => members.list(), 'members');
  const [draft, setDraft] = useState<AuditFilter>({ userId: '', action: '', resourceType: '' });
  const [filter, setFilter] = useState<AuditFilter>(draft);
  const entries = useLoad(
    () =>
      auditLogs.list({
        per_page: entriesShown,
        user_id: filter.userId || undefined,
        action: filter.action.trim() || undefined,
        resource_type: filter.resourceType.trim() || undefined,
      }),
    JSON.stringify(filter),
  );
  const emails = new Map((people.data ?? []).map((member) => [member.user_id, member.email]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
  };

  return (
    <section>
      <h1>Audit log</h1>
      <form className="inline-form" onSubmit={submit} role="search" aria-label="Filter the audit log">
        <Field label="Actor">
          {(control) => (
            <select {...control} value={draft.userId} onChange={(event) => setDraft({ ...draft, userId: event.target.value })}>
              <option value="">Anyone</option>
              {(people.data ?? []).map((member) => (
                <option key={member.user_id} value={member.user_id}>
                  {member.email}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Action" value={draft.action} placeholder="e.g. token.create" onChange={(event) => setDraft({ ...draft, action: event.target.value })} />
        <Field label="Resource type" value={draft.resourceType} placeholder="e.g. service" onChange={(event) => setDraft({ ...draft, resourceType: event.target.value })} />
        <button type="submit">Filter</button>
      </form>
      <FailureNotice failure={entries.failure} title="Could not load the audit log" onRetry={() => void entries.reload()} />
      <DataTable
        testId="audit-log"
        columns={['When', 'Who', 'Action', 'Resource', 'From']}
        items={entries.data}
        empty={<p>No entries match.</p>}
        row={(entry) => (
          <tr key={entry.id} data-action={entry.action}>
            <td>{formatTime(entry.created_at)}</td>
            <td>{entry.user_id ? (emails.get(entry.user_id) ?? entry.user_id.slice(0, 8)) : 'system'}</td>
            <th scope="row">{entry.action}</th>
            <td>
              {entry.resource_type}
              {entry.resource_id ? <code className="muted small"> {entry.resource_id.slice(0, 8)}</code> : null}
            </td>
            <td className="muted small">{entry.ip_address ?? '—'}</td>
          </tr>
        )}
      />
    </section>
  );
}
