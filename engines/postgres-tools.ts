import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Where Debian (and Ubuntu) put each PostgreSQL major version's programs: /usr/lib/postgresql/<major>/bin. */
const debianRoot = '/usr/lib/postgresql';

export interface PostgresTool {
  path: string;
  /** The major version of the installation it belongs to (pg_dump must be at least the server's). */
  major: number;
}

/**
 * Finds a PostgreSQL program (`pg_dump`, `pg_restore`, `initdb`, `pg_ctl`…) of Debian's packages,
 * the newest major version first, or null. Debian keeps them out of PATH (only wrappers are
 * there), and a dump needs a pg_dump at least as new as the server, so the version matters.
 */
export async function findPostgresTool(name: string, minimumMajor = 0): Promise<PostgresTool | null> {
  const majors = (await readdir(debianRoot).catch(() => [] as string[]))
    .map(Number)
    .filter((major) => Number.isInteger(major) && major >= minimumMajor)
    .sort((a, b) => b - a);
  for (const major of majors) {
    const candidate = path.join(debianRoot, String(major), 'bin', name);
    if (existsSync(candidate)) return { path: candidate, major };
  }
  return null;
}
