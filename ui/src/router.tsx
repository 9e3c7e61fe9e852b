import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/*
 * Routing by the History API, small enough to read: the API's SPA fallback answers every UI path
 * with index.html, and this picks the page from `location.pathname`.
 */

const navigationEvent = 'syntra:navigate';

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(navigationEvent));
}

/** The current path, and how many navigations led to it since the app loaded (0: the first page). */
export function useLocation(): { pathname: string; navigations: number } {
  const [current, setCurrent] = useState({ pathname: location.pathname, navigations: 0 });
  useEffect(() => {
    const update = () => setCurrent((previous) => ({ pathname: location.pathname, navigations: previous.navigations + 1 }));
    window.addEventListener('popstate', update);
    window.addEventListener(navigationEvent, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(navigationEvent, update);
    };
  }, []);
  return current;
}

/** `/services/:serviceId` against a path: the named segments, or null when it does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const expected = pattern.split('/').filter(Boolean);
  const actual = pathname.split('/').filter(Boolean);
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index]!;
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(value);
    else if (segment !== value) return null;
  }
  return params;
}

/** A link that navigates in place; modified clicks (new tab, download) stay the browser's. */
export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...props} />;
}
