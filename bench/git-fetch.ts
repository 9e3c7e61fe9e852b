// The agent's fetch before a build (agent/build/checkout.ts), on a repository of some size: a
// one-line change pushed, then checked out pinned to its commit as a push's build is. Measured
// as the agent does it, and again with the checkout's ref of the last fetched commit deleted
// first: a fetch that tells the server nothing it has, as every fetch did before that ref (the
// whole tree again). The git server is `git http-backend` on loopback (tests/support/git-server.ts).
// Usage: npx tsx bench/git-fetch.ts [iterations=7] [files=1000] [kilobytesPerFile=8]
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkOut } from '../agent/build/checkout.js';
import { checkoutPayload, startGitServer } from '../tests/support/git-server.js';
import { percentile } from './deploy-stack.js';

const run = promisify(execFile);
const iterations = Number(process.argv[2] ?? 7);
const fileCount = Number(process.argv[3] ?? 1000);
const kilobytesPerFile = Number(process.argv[4] ?? 8);

const git = await startGitServer('bench-fetch');
const root = await mkdtemp(path.join(tmpdir(), 'syntra-bench-fetch-'));
const serviceId = randomUUID();
/** A checkout of the commit, timed, with the number of objects the server sent. */
async function timedCheckOut(sha: string): Promise<{ ms: number; objects: number }> {
  const lines: string[] = [];
  const started = performance.now();
  await checkOut(root, checkoutPayload(git, serviceId, sha), { signal: new AbortController().signal, onLine: (line) => lines.push(line) });
  const ms = performance.now() - started;
  return { ms, objects: Number(/^remote: Total (\d+)/m.exec(lines.join('\n'))?.[1] ?? 0) };
}

try {
  const files: Record<string, string> = { 'site/index.html': 'start\n' };
  for (let file = 0; file < fileCount; file += 1) files[`src/module-${file}.txt`] = randomBytes((kilobytesPerFile * 1024 * 3) / 4).toString('base64');
  await timedCheckOut(await git.commit('The repository', files));
  const figures = { kept: [] as number[], forgotten: [] as number[], keptObjects: 0, forgottenObjects: 0 };
  for (let i = 0; i < iterations * 2; i += 1) {
    const forget = i % 2 === 1;
    const sha = await git.commit(`Change ${i}`, { 'site/index.html': `change ${i}\n` });
    if (forget) await run('git', ['-C', path.join(root, serviceId, 'src'), 'update-ref', '-d', 'refs/syntra/fetched']);
    const { ms, objects } = await timedCheckOut(sha);
    figures[forget ? 'forgotten' : 'kept'].push(ms);
    figures[forget ? 'forgottenObjects' : 'keptObjects'] = objects;
  }
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5).toFixed(0);
  console.log(`checkout of a one-line change, ${fileCount} files of ${kilobytesPerFile} KB (${iterations} each, alternating):`);
  console.log(`  with the last fetched commit as a ref (the agent): median ${median(figures.kept)} ms, ${figures.keptObjects} objects  [${figures.kept.map((ms) => ms.toFixed(0)).join(', ')}]`);
  console.log(`  without it (the whole tree again):                 median ${median(figures.forgotten)} ms, ${figures.forgottenObjects} objects  [${figures.forgotten.map((ms) => ms.toFixed(0)).join(', ')}]`);
} finally {
  await git.close();
  await rm(root, { recursive: true, force: true });
}
