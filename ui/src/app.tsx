import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ComponentType } from 'react';
import type { AuthIdentity } from '../../contracts/api/access.js';
import { ApiFailure, setCsrfToken, whenUnauthorized } from './api/client.js';
import { auth } from './api/endpoints.js';
import { closeLiveSocket } from './api/live.js';
import { FailureNotice } from './components/failure-notice.js';
import { Layout } from './components/layout.js';
import { AddServerPage } from './pages/add-server.js';
import { DeploymentPage } from './pages/deployment.js';
import { LoginPage } from './pages/login.js';
import { AiSettingsPage } from './pages/operator/ai-settings.js';
import { AlertsPage } from './pages/operator/alerts.js';
import { AuditLogPage } from './pages/operator/audit-log.js';
import { IssuePage } from './pages/operator/issue.js';
import { IssuesPage } from './pages/operator/issues.js';
import { LogsPage } from './pages/operator/logs.js';
import { MembersPage } from './pages/operator/members.js';
import { TokensPage } from './pages/operator/tokens.js';
import { TracePage } from './pages/operator/trace.js';
import { TracesPage } from './pages/operator/traces.js';
import { ProjectPage } from './pages/project.js';
import { ProjectsPage } from './pages/projects.js';
import { ServiceFormPage } from './pages/service-form.js';
import { ServicePage } from './pages/service.js';
import { ServersPage } from './pages/servers.js';
import { WorkflowsPage } from './pages/workflows/workflows.js';
import { matchPath, navigate, useLocation } from './router.js';
import { SessionContext, type Session } from './session.js';

/*
 * Pages are in the main bundle: all of them together add about 7 KB gzip, while loading one on
 * demand behind <Suspense> cost 300 ms on first render (React throttles revealing a boundary).
 * The metrics pages are the exception: uPlot (about 20 KB gzip) is loaded only when one opens;
 * so are the workflow builder and run view, with the canvas library and dagre.
 */
type PageProps = { params: Record<string, string> };

const ServiceMetricsPage = lazy(() => import('./pages/operator/metrics.js').then((module) => ({ default: module.ServiceMetricsPage })));
const ServerMetricsPage = lazy(() => import('./pages/operator/metrics.js').then((module) => ({ default: module.ServerMetricsPage })));

const NewWorkflowPage = lazy(() => import('./pages/workflows/workflow.js').then((module) => ({ default: module.NewWorkflowPage })));
const WorkflowPage = lazy(() => import('./pages/workflows/workflow.js').then((module) => ({ default: module.WorkflowPage })));
const WorkflowRunPage = lazy(() => import('./pages/workflows/run.js').then((module) => ({ default: module.WorkflowRunPage })));

const routes: { pattern: string; Page: ComponentType<PageProps> }[] = [
  { pattern: '/servers', Page: ServersPage },
  { pattern: '/servers/new', Page: AddServerPage },
  { pattern: '/projects', Page: ProjectsPage },
  { pattern: '/projects/:projectId', Page: ProjectPage },
  { pattern: '/projects/:projectId/services/new', Page: ServiceFormPage },
  { pattern: '/services/:serviceId', Page: ServicePage },
  { pattern: '/services/:serviceId/edit', Page: ServiceFormPage },
  { pattern: '/deployments/:deploymentId', Page: DeploymentPage },
  { pattern: '/projects/:projectId/issues', Page: IssuesPage },
  { pattern: '/issues/:issueId', Page: IssuePage },
  { pattern: '/services/:serviceId/traces', Page: TracesPage },
  { pattern: '/traces/:traceId', Page: TracePage },
  { pattern: '/services/:serviceId/logs', Page: LogsPage },
  { pattern: '/services/:serviceId/metrics', Page: ServiceMetricsPage },
  { pattern: '/servers/:serverId/metrics', Page: ServerMetricsPage },
  { pattern: '/projects/:projectId/workflows', Page: WorkflowsPage },
  { pattern: '/projects/:projectId/workflows/new', Page: NewWorkflowPage },
  { pattern: '/workflows/:workflowId', Page: WorkflowPage },
  { pattern: '/workflow-runs/:runId', Page: WorkflowRunPage },
  { pattern: '/alerts', Page: AlertsPage },
  { pattern: '/members', Page: MembersPage },
  { pattern: '/tokens', Page: TokensPage },
  { pattern: '/audit-log', Page: AuditLogPage },
  { pattern: '/ai-settings', Page: AiSettingsPage },
];

function Routed({ pathname }: { pathname: string }) {
  if (pathname === '/' || pathname === '/login') return <Redirect to="/projects" />;
  for (const { pattern, Page } of routes) {
    const params = matchPath(pattern, pathname);
    // Keyed by path: another service's page starts fresh, not with the last one's drafts.
    if (params) {
      return (
        <Suspense fallback={<p aria-live="polite">Loading the page…</p>}>
          <Page key={pathname} params={params} />
        </Suspense>
      );
    }
  }
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page at {pathname}. Use the navigation above.</p>
    </section>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

type SessionState = { kind: 'checking' } | { kind: 'signed_out' } | { kind: 'signed_in'; identity: AuthIdentity } | { kind: 'failed'; failure: ApiFailure };

export function App() {
  const { pathname, navigations } = useLocation();
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
        navigate('/projects');
      },
    };
  }, [state, signedIn]);

  if (state.kind === 'checking') return <p className="centered" aria-live="polite">Loading Syntra…</p>;
  if (state.kind === 'failed') return <FailureNotice failure={state.failure} title="Syntra could not be reached" onRetry={check} />;
  if (state.kind === 'signed_out' || !session) return <LoginPage onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={session}>
      <Layout pathname={pathname} navigations={navigations}>
        <Routed pathname={pathname} />
      </Layout>
    </SessionContext.Provider>
  );
}
