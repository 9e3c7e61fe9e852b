import { useEffect, useRef, type ReactNode } from 'react';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { OrganizationSwitcher } from './organization-switcher.js';

const sections = [
  { to: '/projects', label: 'Projects' },
  { to: '/servers', label: 'Servers' },
];

/** The frame of every signed-in page: skip link, navigation, who is signed in, the page. */
export function Layout({ pathname, navigations, children }: { pathname: string; navigations: number; children: ReactNode }) {
  const { identity, signOut } = useSession();
  const main = useRef<HTMLElement>(null);
  // A page reached by navigating moves focus to its content, as a page load would put it at the top.
  useEffect(() => {
    if (navigations > 0) main.current?.focus();
  }, [navigations]);
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
          {sections.map((section) => (
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
        {children}
      </main>
    </>
  );
}
