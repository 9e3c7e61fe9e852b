import type { ComponentType } from 'react';
import { createBrowserRouter, Navigate, useLocation, useParams, type RouteObject } from 'react-router';
import { Shell } from './components/layout.js';

/*
 * Every page, by path, through React Router's data router. Each area (projects, services, servers,
 * issues, traces, logs, metrics, alerts, admin, workflows) is a chunk of its own, fetched with
 * route `lazy` the first time one of its pages opens: the router waits for the chunk and then
 * renders, so there is no <Suspense> fallback to reveal (React holds a revealed boundary back
 * for up to 300 ms, which is what made lazy pages slow before). The first load carries only the
 * app's frame and the router.
 */

type PageProps = { params: Record<string, string> };
type Page = ComponentType<PageProps>;

/** A page with the path's parameters, keyed by path: another service's page starts fresh, not with the last one's drafts. */
function routed(Page: Page) {
  return function RoutedPage() {
    const params = useParams() as Record<string, string>;
    return <Page key={useLocation().pathname} params={params} />;
  };
}

const page = (path: string, load: () => Promise<Page>): RouteObject => ({ path, lazy: async () => ({ Component: routed(await load()) }) });

const projects = () => import('./areas/projects.js');
const services = () => import('./areas/services.js');
const servers = () => import('./areas/servers.js');
const issues = () => import('./areas/issues.js');
const traces = () => import('./areas/traces.js');
const admin = () => import('./areas/admin.js');
const metrics = () => import('./pages/operator/metrics.js');
const workflowBuilder = () => import('./pages/workflows/workflow.js');

export const routes: RouteObject[] = [
  {
    Component: Shell,
    HydrateFallback: () => <p aria-live="polite">Loading the page…</p>,
    children: [
      { index: true, element: <Navigate to="/projects" replace /> },
      { path: 'login', element: <Navigate to="/projects" replace /> },
      page('projects', async () => (await projects()).ProjectsPage),
      page('projects/:projectId', async () => (await projects()).ProjectPage),
      page('projects/:projectId/services/new', async () => (await services()).ServiceFormPage),
      page('services/:serviceId', async () => (await services()).ServicePage),
      page('services/:serviceId/edit', async () => (await services()).ServiceFormPage),
      page('deployments/:deploymentId', async () => (await services()).DeploymentPage),
      page('servers', async () => (await servers()).ServersPage),
      page('servers/new', async () => (await servers()).AddServerPage),
      page('projects/:projectId/issues', async () => (await issues()).IssuesPage),
      page('issues/:issueId', async () => (await issues()).IssuePage),
      page('services/:serviceId/traces', async () => (await traces()).TracesPage),
      page('traces/:traceId', async () => (await traces()).TracePage),
      page('services/:serviceId/logs', async () => (await import('./pages/operator/logs.js')).LogsPage),
      page('services/:serviceId/metrics', async () => (await metrics()).ServiceMetricsPage),
      page('servers/:serverId/metrics', async () => (await metrics()).ServerMetricsPage),
      page('projects/:projectId/workflows', async () => (await import('./pages/workflows/workflows.js')).WorkflowsPage),
      page('projects/:projectId/workflows/new', async () => (await workflowBuilder()).NewWorkflowPage),
      page('workflows/:workflowId', async () => (await workflowBuilder()).WorkflowPage),
      page('workflow-runs/:runId', async () => (await import('./pages/workflows/run.js')).WorkflowRunPage),
      page('alerts', async () => (await import('./pages/operator/alerts.js')).AlertsPage),
      page('members', async () => (await admin()).MembersPage),
      page('tokens', async () => (await admin()).TokensPage),
      page('audit-log', async () => (await admin()).AuditLogPage),
      page('ai-settings', async () => (await admin()).AiSettingsPage),
      { path: '*', Component: NotFound },
    ],
  },
];

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page at {useLocation().pathname}. Use the navigation above.</p>
    </section>
  );
}

/** One router for the tab: made once, so signing out and in again keeps the history. */
export const router = createBrowserRouter(routes);
