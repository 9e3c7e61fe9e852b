import { useState, type FormEvent } from 'react';
import { MemberRole, type AddedMember } from '../../../../contracts/api/access.js';
import { members } from '../../api/endpoints.js';
import { DataTable } from '../../components/data-table.js';
import { FailureNotice } from '../../components/failure-notice.js';
import { Field } from '../../components/field.js';
import { useAction, useLoad } from '../../hooks.js';
import { formatTime } from '../../logic/format.js';
import { useCan, useSession } from '../../session.js';

/* The organization's members: invite (Syntra sends no email: the sign-in link is shown to pass on), change a role, remove. */

export function MembersPage() {
  const list = useLoad(() => members.list(), 'members');
  const canManage = useCan('members.manage');
  const { identity } = useSession();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('developer');
  const [added, setAdded] = useState<AddedMember | null>(null);
  const invite = useAction(async () => {
    setAdded(await members.add({ email: email.trim(), role }));
    setEmail('');
    await list.reload();
  });
  const change = useAction(async (perform: () => Promise<unknown>) => {
    await perform();
    await list.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void invite.run();
  };

  return (
    <section>
      <h1>Members</h1>
      {canManage ? (
        <form className="panel inline-form" onSubmit={submit} aria-label="Invite a member">
          <h2>Invite a member</h2>
          <Field label="Email" type="email" value={email} onChange={(event) => setEmail(event.target.value)} />
          <Field label="Role">
            {(control) => (
              <select {...control} value={role} onChange={(event) => setRole(event.target.value as MemberRole)}>
                {MemberRole.options.map((each) => (
                  <option key={each}>{each}</option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="primary" disabled={invite.busy || !email.trim()}>
            {invite.busy ? 'Inviting…' : 'Invite'}
          </button>
        </form>
      ) : null}
      <FailureNotice failure={invite.failure} title="The member was not added" />
      {added ? (
        <div className="notice" role="status">
          <p>
            {added.email} was added as {added.role}. Syntra sends no email: give them this sign-in link, valid for 24 hours.
          </p>
          <p className="once" data-testid="login-url">
            {added.login_url}
          </p>
        </div>
      ) : null}
      <FailureNotice failure={list.failure ?? change.failure} title="Members could not be read or changed" onRetry={() => void list.reload()} />
      <DataTable
        testId="members"
        columns={['Member', 'Role', 'Invited', canManage ? 'Remove' : null]}
        items={list.data}
        row={(member) => (
          <tr key={member.user_id} data-member={member.email}>
            <th scope="row">
              {member.email}
              {member.name ? <div className="muted">{member.name}</div> : null}
            </th>
            <td>
              {canManage && member.user_id !== identity.user.id ? (
                <select
                  aria-label={`Role of ${member.email}`}
                  value={member.role}
                  disabled={change.busy}
                  onChange={(event) => void change.run(() => members.setRole(member.user_id, event.target.value as MemberRole))}
                >
                  {MemberRole.options.map((each) => (
                    <option key={each}>{each}</option>
                  ))}
                </select>
              ) : (
                member.role
              )}
            </td>
            <td>{formatTime(member.invited_at)}</td>
            {canManage ? (
              <td>
                {member.user_id === identity.user.id ? (
                  <span className="muted">you</span>
                ) : (
                  <button
                    type="button"
                    disabled={change.busy}
                    onClick={() => {
                      if (window.confirm(`Remove ${member.email} from the organization?`)) void change.run(() => members.remove(member.user_id));
                    }}
                  >
                    Remove <span className="visually-hidden">{member.email}</span>
                  </button>
                )}
              </td>
            ) : null}
          </tr>
        )}
      />
    </section>
  );
}
