import { mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uiDist } from '../../api/http/ui/plugin.js';
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
    // In a folder of its own, aged rather than a source touched: other test files serve ui/dist meanwhile.
    const dist = await mkdtemp(path.join(tmpdir(), 'syntra-ui-dist-'));
    try {
      await ensureProductionUi(dist);
      const index = path.join(dist, 'index.html');
      const before = new Date(Date.now() - 86_400_000 * 365 * 20);
      await utimes(index, before, before);
      expect(await staleReason(dist)).toBe('a source is newer than ui/dist');
      await ensureProductionUi(dist);
      expect(await staleReason(dist)).toBeNull();
      expect((await stat(index)).mtimeMs).toBeGreaterThan(before.getTime());
    } finally {
      await rm(dist, { recursive: true, force: true });
    }
  });
});
