import { useCallback, useEffect, useMemo, useState } from 'react';
import { RouterProvider } from 'react-router';
import type { AuthIdentity } from '../../contracts/api/access.js';
import { ApiFailure, setCsrfToken, whenUnauthorized } from './api/client.js';
import { auth } from './api/endpoints.js';
import { closeLiveSocket } from './api/live.js';
import { FailureNotice } from './components/failure-notice.js';
import { LoginPage } from './pages/login.js';
import { router } from './routes.js';
import { SessionContext, type Session } from './session.js';

type SessionState = { kind: 'checking' } | { kind: 'signed_out' } | { kind: 'signed_in'; identity: AuthIdentity } | { kind: 'failed'; failure: ApiFailure };

export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'checking' });

  const signedIn = useCallback((identity: AuthIdentity) => {
    setCsrfToken(identity.csrf_token);
    setState({ kind: 'signed_in', identity });
  }, []);

  const check = useCallback(() => {
    setState({ kind: 'checking' });
    auth.me().then(signedIn, (failure: ApiFailure) => setState(failure.status === 401 ? { kind: 'signed_out' } : { kind: 'failed', failure }));
  }, [signedIn]);

  useEffect(() => {
    whenUnauthorized(() => {
      closeLiveSocket();
      setState({ kind: 'signed_out' });
    });
    check();
  }, [check]);

  const session = useMemo<Session | null>(() => {
    if (state.kind !== 'signed_in') return null;
    return {
      identity: state.identity,
      signOut: async () => {
        await auth.logout().catch(() => undefined);
        closeLiveSocket();
        setCsrfToken(null);
        setState({ kind: 'signed_out' });
      },
      switchOrganization: async (orgId: string) => {
        const identity = await auth.switchOrganization(orgId);
        // The socket was authenticated as the old session; pages of the old organization mean nothing now.
        closeLiveSocket();
        signedIn(identity);
        await router.navigate('/projects');
      },
    };
  }, [state, signedIn]);

  if (state.kind === 'checking') return <p className="centered" aria-live="polite">Loading Syntra…</p>;
  if (state.kind === 'failed') return <FailureNotice failure={state.failure} title="Syntra could not be reached" onRetry={check} />;
  if (state.kind === 'signed_out' || !session) return <LoginPage onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={session}>
      <RouterProvider router={router} />
    </SessionContext.Provider>
  );
}
