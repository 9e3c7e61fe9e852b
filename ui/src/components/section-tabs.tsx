import { Link, useLocation } from 'react-router';

/** The pages of one project or one service, as a labelled navigation whose current page is marked. */
export function SectionTabs({ label, tabs }: { label: string; tabs: { to: string; label: string }[] }) {
  const { pathname } = useLocation();
  return (
    <nav aria-label={label} className="section-tabs">
      {tabs.map((tab) => (
        <Link key={tab.to} to={tab.to} aria-current={pathname === tab.to ? 'page' : undefined}>
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}

export const serviceTabs = (serviceId: string) => [
  { to: `/services/${serviceId}`, label: 'Overview' },
  { to: `/services/${serviceId}/traces`, label: 'Traces' },
  { to: `/services/${serviceId}/logs`, label: 'Logs' },
  { to: `/services/${serviceId}/metrics`, label: 'Metrics' },
];

export const projectTabs = (projectId: string) => [
  { to: `/projects/${projectId}`, label: 'Services' },
  { to: `/projects/${projectId}/issues`, label: 'Issues' },
  { to: `/projects/${projectId}/workflows`, label: 'Workflows' },
];
