import { useEffect, useRef } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import type { Action } from '../../../contracts/api/permissions.js';
import { roleAllows, useSession } from '../session.js';
import { OrganizationSwitcher } from './organization-switcher.js';

/* The organization's pages; a project's issues and a service's traces, logs and metrics are tabs of their pages. */
const sections: { to: string; label: string; needs: Action }[] = [
  { to: '/projects', label: 'Projects', needs: 'read' },
  { to: '/servers', label: 'Servers', needs: 'read' },
  { to: '/alerts', label: 'Alerts', needs: 'read' },
  { to: '/members', label: 'Members', needs: 'members.read' },
  { to: '/tokens', label: 'API tokens', needs: 'tokens.manage' },
  { to: '/audit-log', label: 'Audit log', needs: 'audit.read' },
  { to: '/ai-settings', label: 'AI', needs: 'ai.configure' },
];

/** The frame of every signed-in page: skip link, navigation, who is signed in, the page. */
export function Shell() {
  const { identity, signOut } = useSession();
  const { pathname, key } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstKey = useRef(key);
  // A page reached by navigating moves focus to its content, as a page load would put it at the top.
  useEffect(() => {
    if (key !== firstKey.current) main.current?.focus();
  }, [key]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/projects" className="brand">
          Syntra
        </Link>
        <nav aria-label="Main">
          {sections.filter((section) => roleAllows(identity.role, section.needs)).map((section) => (
            <Link key={section.to} to={section.to} aria-current={pathname.startsWith(section.to) ? 'page' : undefined}>
              {section.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          <OrganizationSwitcher />
          <span title={identity.user.email}>{identity.role}</span>
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Outlet />
      </main>
    </>
  );
}
