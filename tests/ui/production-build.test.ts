import { readdir, readFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uiDist, uiRoot } from '../../api/http/ui/plugin.js';
import { ensureProductionUi, staleReason } from './production-build.js';

/* The browser tests' ui/dist: the production build, made only when missing or stale, never React's development build. */

const entryScripts = async () => {
  const assets = await readdir(path.join(uiDist, 'assets'));
  return Promise.all(assets.filter((name) => name.endsWith('.js')).map((name) => readFile(path.join(uiDist, 'assets', name), 'utf8')));
};

describe('the production build the browser tests drive', () => {
  it('is built with React production bundled although vitest runs with NODE_ENV=test, and kept while fresh', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    await ensureProductionUi();
    expect(await staleReason()).toBeNull();
    const scripts = await entryScripts();
    expect(scripts.join('\n')).not.toContain('unique "key" prop');
    expect(scripts.join('\n')).toContain('react.dev/errors/');

    const built = (await stat(path.join(uiDist, 'index.html'))).mtimeMs;
    await ensureProductionUi();
    expect((await stat(path.join(uiDist, 'index.html'))).mtimeMs).toBe(built);
  });

  it('is built again once a source is newer than it', async () => {
    await ensureProductionUi();
    const source = path.join(uiRoot, 'src', 'main.tsx');
    // Edited now: after the build, and before the rebuild that follows.
    const later = new Date();
    await utimes(source, later, later);
    expect(await staleReason()).toBe('a source is newer than ui/dist');
    await ensureProductionUi();
    expect(await staleReason()).toBeNull();
    expect((await stat(path.join(uiDist, 'index.html'))).mtimeMs).toBeGreaterThanOrEqual(later.getTime());
  });
});
