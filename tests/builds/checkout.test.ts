import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOut } from '../../agent/build/checkout.js';
import { checkoutPayload, startGitServer, type GitServer } from '../support/git-server.js';

/*
 * The agent's checkout of a service against a real git server (http-backend, token auth): kept
 * between builds and fetched, each fetch receiving only what changed since the one before, and
 * none at all for a commit it already has whole.
 */

let git: GitServer;
let root: string;
const serviceId = randomUUID();

beforeAll(async () => {
  git = await startGitServer('checkout');
  root = await mkdtemp(path.join(tmpdir(), 'syntra-checkout-'));
});

afterAll(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

async function checkOutLogged(pinned?: string) {
  const lines: string[] = [];
  const checkout = await checkOut(root, checkoutPayload(git, serviceId, pinned), { signal: new AbortController().signal, onLine: (line) => lines.push(line) });
  return { checkout, log: lines.join('\n') };
}

/** How many objects the server sent, as it says ("remote: Total 4 (delta 0)…"). */
const objectsReceived = (log: string) => Number(/^remote: Total (\d+)/m.exec(log)?.[1] ?? 0);

describe("a service's checkout", () => {
  it('fetches the whole tree once, then only what a one-line change touched', async () => {
    const files: Record<string, string> = { 'site/index.html': 'one\n' };
    for (let file = 0; file < 30; file += 1) files[`lib/part-${file}.txt`] = randomBytes(2_000).toString('base64');
    const first = await git.commit('Many files', files);
    const whole = await checkOutLogged(first);
    expect(whole.checkout.sha).toBe(first);
    expect(objectsReceived(whole.log)).toBeGreaterThanOrEqual(30);

    const second = await git.commit('One line', { 'site/index.html': 'two\n' });
    const changed = await checkOutLogged(second);
    expect(changed.checkout).toMatchObject({ sha: second, message: 'One line' });
    expect(await readFile(path.join(changed.checkout.directory, 'site/index.html'), 'utf8')).toBe('two\n');
    // The commit, the root tree, site/ and the changed file.
    expect(objectsReceived(changed.log)).toBeGreaterThan(0);
    expect(objectsReceived(changed.log)).toBeLessThanOrEqual(4);
  });

  it('builds a commit it already fetched whole without fetching, from a clean tree', async () => {
    const before = await checkOutLogged();
    await writeFile(path.join(before.checkout.directory, 'left-by-a-build.txt'), 'stray\n');
    await writeFile(path.join(before.checkout.directory, 'site/index.html'), 'edited\n');
    const again = await checkOutLogged(before.checkout.sha);
    expect(again.log).toContain('was fetched whole for an earlier build: not fetched again');
    expect(again.log).not.toContain('Fetching');
    expect(again.checkout).toMatchObject({ sha: before.checkout.sha, message: before.checkout.message });
    expect(await readFile(path.join(again.checkout.directory, 'site/index.html'), 'utf8')).toBe('two\n');
    await expect(readFile(path.join(again.checkout.directory, 'left-by-a-build.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('fetches a pinned commit the branch has moved past by itself', async () => {
    const pinned = await git.commit('Pinned', { 'site/index.html': 'pinned\n' });
    await git.commit('Later', { 'site/index.html': 'later\n' });
    const { checkout } = await checkOutLogged(pinned);
    expect(checkout).toMatchObject({ sha: pinned, message: 'Pinned' });
    expect(await readFile(path.join(checkout.directory, 'site/index.html'), 'utf8')).toBe('pinned\n');
  });

  it('says a pinned commit the server does not have is not found, once the branch has been tried too', async () => {
    const missing = 'f'.repeat(40);
    const failure = checkOutLogged(missing);
    await expect(failure).rejects.toMatchObject({ code: 'COMMIT_NOT_FOUND', message: expect.stringContaining(`Commit ${missing} could not be fetched`) });
  });
});
