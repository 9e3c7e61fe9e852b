import { useState } from 'react';
import { ApiFailure } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import { useLoad } from '../hooks.js';
import { useSession } from '../session.js';

/** The current organization; a plain select to move to another when the user belongs to several. */
export function OrganizationSwitcher() {
  const { identity, switchOrganization } = useSession();
  const organizations = useLoad(() => auth.organizations(), identity.organization.id);
  const [switching, setSwitching] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const choices = organizations.data ?? [];
  if (choices.length < 2) return <span title={identity.user.email}>{identity.organization.name}</span>;
  return (
    <>
      <label className="visually-hidden" htmlFor="organization">
        Organization
      </label>
      <select
        id="organization"
        value={identity.organization.id}
        disabled={switching}
        aria-busy={switching}
        onChange={(event) => {
          setSwitching(true);
          setFailure(null);
          switchOrganization(event.target.value).then(
            () => setSwitching(false),
            (error: unknown) => {
              setSwitching(false);
              setFailure(error instanceof ApiFailure ? error.message : 'Could not switch; reload and try again');
            },
          );
        }}
      >
        {choices.map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name} ({organization.role})
          </option>
        ))}
      </select>
      {failure && (
        <span role="alert" className="field-error">
          {failure}
        </span>
      )}
    </>
  );
}
