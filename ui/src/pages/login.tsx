import { useState, type FormEvent } from 'react';
import type { AuthIdentity } from '../../../contracts/api/access.js';
import type { ApiFailure } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import { Field } from '../components/field.js';
import { FailureNotice } from '../components/failure-notice.js';

/*
 * Sign-in with a user token. The one-time link printed at first start needs no page: the API
 * consumes it, sets the session cookie and redirects to `/`, where the session is simply there.
 */
export function LoginPage({ onSignedIn }: { onSignedIn: (identity: AuthIdentity) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      onSignedIn(await auth.login(token.trim()));
    } catch (error) {
      setFailure(error as ApiFailure);
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <h1>Sign in to Syntra</h1>
      <p className="muted">
        Open the one-time login link printed when Syntra first started, or paste a user token (<code>syn_usr_…</code>). Create more
        tokens with <code>POST /api/v1/tokens</code> once signed in.
      </p>
      <form onSubmit={submit}>
        <Field
          label="User token"
          name="token"
          type="password"
          autoComplete="off"
          autoFocus
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <FailureNotice failure={failure} title="Sign-in failed" />
    </main>
  );
}
