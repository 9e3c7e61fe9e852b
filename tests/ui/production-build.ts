import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uiDist, uiRoot } from '../../api/http/ui/plugin.js';

/*
 * The browser tests and benchmarks drive the production build the API serves (ui/dist), as people
 * get it. `npm test` builds it before the suite; a test builds only when it is missing, older than
 * a source it bundles, or a development build. Building happens in a child process with
 * NODE_ENV=production: inside vitest NODE_ENV is `test`, and Vite would bundle React's development
 * build (half as big again, and slower) and leave it in ui/dist for the next `syntra api`.
 */

const repoRoot = path.resolve(uiRoot, '..');
/** What the bundle is made of: the app, the contracts it imports, and the locked dependencies. */
const sources = [uiRoot, path.join(repoRoot, 'contracts'), path.join(repoRoot, 'package-lock.json')];
// Outside the checkout, whose folders' times say whether the build is stale; one per build folder.
const lockDirOf = (dist: string) => path.join(tmpdir(), `syntra-ui-build-${createHash('sha256').update(dist).digest('hex').slice(0, 12)}.lock`);
/** A build takes seconds; one held longer than this belonged to a process that died. */
const LOCK_STALE_MS = 5 * 60_000;
/** Only React's development build carries its warnings' text; the production build has error codes. */
const DEVELOPMENT_MARKER = 'unique "key" prop';

async function newestSourceMs(entry: string): Promise<number> {
  const info = await stat(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  if (entry === uiDist || path.basename(entry) === 'node_modules') return 0;
  const children = await readdir(entry);
  return Math.max(info.mtimeMs, ...(await Promise.all(children.map((child) => newestSourceMs(path.join(entry, child))))));
}

/** Why `dist` (ui/dist unless a test names its own) must be built again, or null when it is this checkout's production build. */
export async function staleReason(dist = uiDist): Promise<string | null> {
  const builtMs = await stat(path.join(dist, 'index.html')).then((info) => info.mtimeMs, () => null);
  if (builtMs === null) return 'ui/dist has no build';
  if ((await Promise.all(sources.map(newestSourceMs))).some((ms) => ms > builtMs)) return 'a source is newer than ui/dist';
  const assets = await readdir(path.join(dist, 'assets')).catch(() => []);
  for (const asset of assets.filter((name) => name.endsWith('.js'))) {
    if ((await readFile(path.join(dist, 'assets', asset), 'utf8')).includes(DEVELOPMENT_MARKER)) return `${asset} is a development build`;
  }
  return null;
}

function viteBuild(dist: string): Promise<void> {
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(process.execPath, [vite, 'build', '--config', path.join(uiRoot, 'vite.config.ts'), '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
}

/** Test files run in parallel: one builds while the others wait, then find the build fresh. */
async function withBuildLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const heldSince = await stat(lockDir).then((info) => info.mtimeMs, () => Date.now());
      if (Date.now() - heldSince > LOCK_STALE_MS) await rm(lockDir, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    await writeFile(path.join(lockDir, 'pid'), String(process.pid));
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * Makes sure `dist` holds the production build of this checkout, building it only when needed.
 * Only a test of this very check names another folder: a rebuild of ui/dist while other test
 * files' servers serve it would pull the assets from under their pages.
 */
export async function ensureProductionUi(dist = uiDist): Promise<void> {
  if ((await staleReason(dist)) === null) return;
  await withBuildLock(lockDirOf(dist), async () => {
    if ((await staleReason(dist)) !== null) await viteBuild(dist);
  });
  const reason = await staleReason(dist);
  if (reason) throw new Error(`ui/dist is still not a fresh production build after building: ${reason}`);
}
